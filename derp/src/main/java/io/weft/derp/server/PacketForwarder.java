package io.weft.derp.server;

import io.weft.derp.NodeKey;

/** Carries a packet for a key connected to another relay of the region (a mesh link). */
public interface PacketForwarder {
  /** Sends one ForwardPacket; returns false when the link is down or its queue is full. */
  boolean forward(NodeKey src, NodeKey dst, byte[] p, int off, int len);
}
