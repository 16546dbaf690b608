package io.shoal.api;

import com.fasterxml.jackson.annotation.JsonInclude;
/** A published port. */
public record PortConfig(String name, Protocol protocol, @JsonInclude(JsonInclude.Include.NON_DEFAULT) long targetPort,
                         @JsonInclude(JsonInclude.Include.NON_DEFAULT) long publishedPort, PublishMode publishMode) {

    public PortConfig withPublishedPort(long p) {
        return new PortConfig(name, protocol, targetPort, p, publishMode);
    }

    /** Its protocol, TCP unless set. */
    public Protocol protocolOrDefault() {
        return protocol == null ? Protocol.TCP : protocol;
    }

    /** Its publish mode, the routing mesh (ingress) unless set. */
    public PublishMode publishModeOrDefault() {
        return publishMode == null ? PublishMode.INGRESS : publishMode;
    }
}
