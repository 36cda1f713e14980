package io.weft.tun.windows;

import static io.weft.wg.nativeio.Libc.unexpected;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.WString;
import io.weft.tun.io.Command;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link WintunApi} bound to {@code wintun.dll} and {@code kernel32.dll}: setup through JNA, the
 * per-packet calls and the wait through FFM downcalls. Compiled only; not yet run on Windows.
 */
final class WintunDll implements WintunApi {
  /** System property naming {@code wintun.dll}'s path; otherwise it is found by name. */
  static final String DLL_PROPERTY = "weft.wintun.dll";

  // Win32 error codes (winerror.h) and wait results (winbase.h).
  static final int ERROR_HANDLE_EOF = 38;
  static final int ERROR_BUFFER_OVERFLOW = 111;
  static final int ERROR_NO_MORE_ITEMS = 259;
  static final int WAIT_OBJECT_0 = 0;
  static final int WAIT_FAILED = 0xffff_ffff;
  static final int INFINITE = 0xffff_ffff;

  private interface Wintun extends Library {
    Pointer WintunCreateAdapter(WString name, WString tunnelType, Pointer requestedGuid);

    void WintunCloseAdapter(Pointer adapter);

    Pointer WintunStartSession(Pointer adapter, int capacity);

    void WintunEndSession(Pointer session);

    Pointer WintunGetReadWaitEvent(Pointer session);
  }

  private interface Kernel32 extends Library {
    Pointer CreateEventW(
        Pointer attributes, boolean manualReset, boolean initialState, WString name);

    boolean SetEvent(Pointer event);

    boolean CloseHandle(Pointer handle);
  }

  /**
   * The FFM handles, linked on first use (their {@code GetLastError} capture exists only on
   * Windows).
   */
  @SuppressWarnings("restricted") // library lookups and downcalls matching wintun.h and winbase.h
  private static final class Handles {
    static final Linker LINKER = Linker.nativeLinker();
    static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    static final long LAST_ERROR_OFFSET =
        CALL_STATE.byteOffset(PathElement.groupElement("GetLastError"));
    static final SymbolLookup WINTUN = SymbolLookup.libraryLookup(dllPath(), Arena.global());
    static final SymbolLookup KERNEL32 = SymbolLookup.libraryLookup("kernel32.dll", Arena.global());

    static final MethodHandle RECEIVE =
        link(
            WINTUN,
            "WintunReceivePacket",
            FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS),
            true,
            true);
    static final MethodHandle RELEASE =
        link(
            WINTUN,
            "WintunReleaseReceivePacket",
            FunctionDescriptor.ofVoid(ADDRESS, ADDRESS),
            true,
            false);
    static final MethodHandle ALLOCATE =
        link(
            WINTUN,
            "WintunAllocateSendPacket",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT),
            true,
            true);
    static final MethodHandle SEND =
        link(WINTUN, "WintunSendPacket", FunctionDescriptor.ofVoid(ADDRESS, ADDRESS), true, false);
    static final MethodHandle WAIT =
        link(
            KERNEL32,
            "WaitForMultipleObjects",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
            false,
            true);

    /** Ring operations never block, so they are linked critical; the wait is not. */
    private static MethodHandle link(
        SymbolLookup lookup,
        String name,
        FunctionDescriptor fd,
        boolean critical,
        boolean captureLastError) {
      final MemorySegment symbol =
          lookup.find(name).orElseThrow(() -> new UnsatisfiedLinkError("no " + name));
      final List<Linker.Option> options = new ArrayList<>();
      if (critical) {
        options.add(Linker.Option.critical(false));
      }
      if (captureLastError) {
        options.add(Linker.Option.captureCallState("GetLastError"));
      }
      return LINKER.downcallHandle(symbol, fd, options.toArray(Linker.Option[]::new));
    }
  }

  /** Per-thread native memory: captured {@code GetLastError}, a size out-parameter, two handles. */
  private static final class Scratch {
    final MemorySegment callState;
    final MemorySegment size;
    final MemorySegment handles;

    Scratch() {
      final Arena arena = Arena.ofAuto();
      callState = arena.allocate(Handles.CALL_STATE);
      size = arena.allocate(JAVA_INT);
      handles = arena.allocate(ADDRESS, 2);
    }

    int lastError() {
      return callState.get(JAVA_INT, Handles.LAST_ERROR_OFFSET);
    }
  }

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  private final Wintun wintun;
  private final Kernel32 kernel32;

  private WintunDll(Wintun wintun, Kernel32 kernel32) {
    this.wintun = wintun;
    this.kernel32 = kernel32;
  }

  /** Loads {@code wintun.dll} (see {@link #DLL_PROPERTY}). */
  static WintunDll load() throws IOException {
    try {
      return new WintunDll(
          Native.load(dllPath().toString(), Wintun.class), Native.load("kernel32", Kernel32.class));
    } catch (UnsatisfiedLinkError e) {
      throw new IOException(
          "cannot load wintun.dll ("
              + dllPath()
              + "); get it from https://www.wintun.net/ and set -D"
              + DLL_PROPERTY
              + "=<path>",
          e);
    }
  }

  private static Path dllPath() {
    return Path.of(System.getProperty(DLL_PROPERTY, "wintun.dll"));
  }

  @Override
  public long createAdapter(String name, String tunnelType) throws IOException {
    final Pointer p = wintun.WintunCreateAdapter(new WString(name), new WString(tunnelType), null);
    if (p == null) {
      throw win32("WintunCreateAdapter " + name + " (needs Administrator)", Native.getLastError());
    }
    return Pointer.nativeValue(p);
  }

  @Override
  public long startSession(long adapter, int capacity) throws IOException {
    final Pointer p = wintun.WintunStartSession(new Pointer(adapter), capacity);
    if (p == null) {
      throw win32("WintunStartSession", Native.getLastError());
    }
    return Pointer.nativeValue(p);
  }

  @Override
  public long readWaitEvent(long session) {
    return Pointer.nativeValue(wintun.WintunGetReadWaitEvent(new Pointer(session)));
  }

  @Override
  public long createEvent() throws IOException {
    final Pointer p = kernel32.CreateEventW(null, true, false, null);
    if (p == null) {
      throw win32("CreateEventW", Native.getLastError());
    }
    return Pointer.nativeValue(p);
  }

  @Override
  public void setEvent(long event) {
    kernel32.SetEvent(new Pointer(event));
  }

  @Override
  public void endSession(long session) {
    wintun.WintunEndSession(new Pointer(session));
  }

  @Override
  public void closeAdapter(long adapter) {
    wintun.WintunCloseAdapter(new Pointer(adapter));
  }

  @Override
  public void closeHandle(long handle) {
    kernel32.CloseHandle(new Pointer(handle));
  }

  @Override
  public MemorySegment receivePacket(long session) throws IOException {
    final Scratch s = SCRATCH.get();
    final MemorySegment p;
    try {
      p =
          (MemorySegment)
              Handles.RECEIVE.invokeExact(s.callState, MemorySegment.ofAddress(session), s.size);
    } catch (Throwable t) {
      throw unexpected(t);
    }
    if (p.address() != 0) {
      return reinterpret(p, Integer.toUnsignedLong(s.size.get(JAVA_INT, 0)));
    }
    final int error = s.lastError();
    if (error == ERROR_NO_MORE_ITEMS) {
      return null;
    }
    throw win32(
        error == ERROR_HANDLE_EOF
            ? "WintunReceivePacket: the adapter is going away"
            : "WintunReceivePacket",
        error);
  }

  @Override
  public void releaseReceivePacket(long session, MemorySegment packet) {
    try {
      Handles.RELEASE.invokeExact(MemorySegment.ofAddress(session), packet);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  @Override
  public MemorySegment allocateSendPacket(long session, int size) throws IOException {
    final Scratch s = SCRATCH.get();
    final MemorySegment p;
    try {
      p =
          (MemorySegment)
              Handles.ALLOCATE.invokeExact(s.callState, MemorySegment.ofAddress(session), size);
    } catch (Throwable t) {
      throw unexpected(t);
    }
    if (p.address() != 0) {
      return reinterpret(p, size);
    }
    final int error = s.lastError();
    if (error == ERROR_BUFFER_OVERFLOW) {
      return null;
    }
    throw win32(
        error == ERROR_HANDLE_EOF
            ? "WintunAllocateSendPacket: the adapter is going away"
            : "WintunAllocateSendPacket",
        error);
  }

  @Override
  public void sendPacket(long session, MemorySegment packet) {
    try {
      Handles.SEND.invokeExact(MemorySegment.ofAddress(session), packet);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  @Override
  public int waitForEither(long first, long second) throws IOException {
    final Scratch s = SCRATCH.get();
    s.handles.setAtIndex(ADDRESS, 0, MemorySegment.ofAddress(first));
    s.handles.setAtIndex(ADDRESS, 1, MemorySegment.ofAddress(second));
    final int r;
    try {
      r = (int) Handles.WAIT.invokeExact(s.callState, 2, s.handles, 0, INFINITE);
    } catch (Throwable t) {
      throw unexpected(t);
    }
    if (r == WAIT_FAILED) {
      throw win32("WaitForMultipleObjects", s.lastError());
    }
    return r - WAIT_OBJECT_0;
  }

  @Override
  public void setMtu(String adapterName, int mtu) throws IOException {
    for (List<String> command : Netsh.mtuCommands(adapterName, mtu)) {
      Command.run(command);
    }
  }

  @SuppressWarnings("restricted") // reinterpret: Wintun says how long the packet is
  private static MemorySegment reinterpret(MemorySegment p, long size) {
    return p.reinterpret(size);
  }

  private static IOException win32(String what, int error) {
    return new IOException(what + " failed: Win32 error " + error);
  }

  /** Command lines for {@code netsh}. */
  static final class Netsh {
    private Netsh() {}

    /** IPv6 needs at least 1280 bytes (RFC 8200), so a smaller MTU is set for IPv4 only. */
    static List<List<String>> mtuCommands(String adapterName, int mtu) {
      final List<List<String>> commands = new ArrayList<>();
      for (String family : mtu >= 1280 ? List.of("ipv4", "ipv6") : List.of("ipv4")) {
        commands.add(
            List.of(
                "netsh",
                "interface",
                family,
                "set",
                "subinterface",
                adapterName,
                "mtu=" + mtu,
                "store=active"));
      }
      return commands;
    }
  }
}
