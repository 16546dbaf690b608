package io.shoal.api;

/** How a port is published: on every node through the routing mesh, or on the task's own node. */
public enum PublishMode implements WireValue {
    INGRESS, HOST
}
