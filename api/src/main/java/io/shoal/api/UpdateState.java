package io.shoal.api;

import java.util.Locale;

/** Where a service's rolling update (or rollback) stands; Docker spells these with underscores. */
public enum UpdateState implements WireValue {
    UPDATING, PAUSED, COMPLETED, ROLLBACK_STARTED, ROLLBACK_PAUSED, ROLLBACK_COMPLETED;

    @Override
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** An update or rollback is rolling out: the updater has slots to replace. */
    public boolean isRollingOut() {
        return this == UPDATING || this == ROLLBACK_STARTED;
    }
}
