package io.shoal.api;

/** The transport of a published port. */
public enum Protocol implements WireValue {
    TCP, UDP, SCTP
}
