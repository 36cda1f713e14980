package io.weft.control.protocol;

import java.util.List;

/** What a node says about itself: name, operating system, and its candidate UDP endpoints. */
public record HostInfo(String hostname, String os, List<String> endpoints) {
  public HostInfo {
    endpoints = endpoints == null ? List.of() : List.copyOf(endpoints);
  }
}
