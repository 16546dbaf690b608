package io.shoal.pki;

import java.util.Objects;

/**
 * The node's TLS material as renewal changes it (swarmkit's {@code MutableTLSCreds}): servers and
 * channels built on it present the newest certificate from their next handshake on, so a renewed
 * certificate takes effect without a restart; connections already up keep the session they have.
 * Certificate, key and trust roots change together (a root rotation adds the next root, then drops
 * the old one); the node stays the same node. The trust managers of {@link TlsManagers} read the
 * roots at each handshake, as the key manager reads the certificate.
 */
public final class MutableTls implements TlsSource {
    private volatile TlsMaterial current;

    public MutableTls(TlsMaterial initial) {
        this.current = Objects.requireNonNull(initial, "initial");
    }

    @Override
    public TlsMaterial current() {
        return current;
    }

    /** Makes {@code next} the material of every later handshake. */
    public synchronized void update(TlsMaterial next) {
        TlsMaterial now = current;
        if (!next.identity().nodeId().equals(now.identity().nodeId())) {
            throw new IllegalArgumentException("renewed TLS material is for node " + next.identity().nodeId()
                    + ", not " + now.identity().nodeId());
        }
        current = next;
    }
}
