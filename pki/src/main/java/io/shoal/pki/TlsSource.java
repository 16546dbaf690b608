package io.shoal.pki;

/**
 * Where a TLS endpoint takes the node's key and certificate from at each handshake: fixed
 * {@link TlsMaterial}, or {@link MutableTls} that certificate renewal swaps without closing servers
 * or channels.
 */
@FunctionalInterface
public interface TlsSource {
    TlsMaterial current();
}
