package io.shoal.api;

/** What an update does when its new tasks fail: pause, roll back to the previous spec, or go on. */
public enum FailureAction implements WireValue {
    CONTINUE, PAUSE, ROLLBACK
}
