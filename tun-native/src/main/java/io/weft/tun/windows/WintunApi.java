package io.weft.tun.windows;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * The Wintun and Win32 calls a {@link WindowsWintun} makes, as a seam: {@link WintunDll} binds them
 * to {@code wintun.dll} and {@code kernel32.dll}; tests supply an in-memory ring. Handles are raw
 * pointer values.
 */
interface WintunApi {

  /** {@code WintunCreateAdapter(name, tunnelType, NULL)}. */
  long createAdapter(String name, String tunnelType) throws IOException;

  /** {@code WintunStartSession(adapter, capacity)}. */
  long startSession(long adapter, int capacity) throws IOException;

  /** {@code WintunGetReadWaitEvent(session)}; owned by the session, not to be closed. */
  long readWaitEvent(long session);

  /** {@code CreateEventW(NULL, TRUE, FALSE, NULL)}: a manual-reset event, not signalled. */
  long createEvent() throws IOException;

  /** {@code SetEvent(event)}. */
  void setEvent(long event);

  /** {@code WintunEndSession(session)}. */
  void endSession(long session);

  /** {@code WintunCloseAdapter(adapter)}; deletes an adapter this process created. */
  void closeAdapter(long adapter);

  /** {@code CloseHandle(handle)}. */
  void closeHandle(long handle);

  /**
   * {@code WintunReceivePacket}: the next packet, sized to its length, or null when the ring is
   * empty ({@code ERROR_NO_MORE_ITEMS}).
   *
   * @throws IOException on {@code ERROR_HANDLE_EOF} (adapter terminating) or any other error
   */
  MemorySegment receivePacket(long session) throws IOException;

  /** {@code WintunReleaseReceivePacket}. */
  void releaseReceivePacket(long session, MemorySegment packet);

  /**
   * {@code WintunAllocateSendPacket}: room for a packet of {@code size} bytes, or null when the
   * ring is full ({@code ERROR_BUFFER_OVERFLOW}: the packet is dropped).
   *
   * @throws IOException on {@code ERROR_HANDLE_EOF} or any other error
   */
  MemorySegment allocateSendPacket(long session, int size) throws IOException;

  /** {@code WintunSendPacket}. */
  void sendPacket(long session, MemorySegment packet);

  /**
   * {@code WaitForMultipleObjects(2, {first, second}, FALSE, INFINITE)}.
   *
   * @return 0 or 1, whichever event is signalled
   */
  int waitForEither(long first, long second) throws IOException;

  /** Sets the interface MTU (IPv4 and IPv6). */
  void setMtu(String adapterName, int mtu) throws IOException;
}
