package io.shoal.api;

import java.util.Map;

/** A named driver with options, as used for log drivers and network drivers. */
public record Driver(String name, Map<String, String> options) {}
