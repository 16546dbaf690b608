package io.shoal.api;

/** How other services reach this one: one virtual IP, or DNS round robin over its tasks. */
public enum EndpointMode implements WireValue {
    VIP, DNSRR
}
