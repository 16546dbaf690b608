package io.shoal.api;

import com.fasterxml.jackson.annotation.JsonProperty;

public record Platform(String architecture, @JsonProperty("OS") String os) {}
