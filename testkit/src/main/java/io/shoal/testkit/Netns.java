package io.shoal.testkit;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs code in a network namespace without a new process: a fresh platform thread enters the
 * namespace with {@code setns(2)} (network namespaces are per thread, so the rest of the JVM stays
 * where it is), runs the code and ends. Sockets it creates belong to that namespace for life and can
 * be used from any thread afterwards.
 */
public final class Netns {
    private static final ValueLayout.OfInt JAVA_INT_BIG_ENDIAN = JAVA_INT.withOrder(java.nio.ByteOrder.BIG_ENDIAN);
    private static final int CLONE_NEWNET = 0x40000000;
    private static final int O_RDONLY_CLOEXEC = 0x80000;
    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle OPEN = libc("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SETNS = libc("setns", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle CLOSE = libc("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle SOCKET = libc("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle IOCTL = LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow("ioctl"),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS),
            Linker.Option.firstVariadicArg(2), Linker.Option.captureCallState("errno"));
    private static final int AF_INET = 2, SOCK_DGRAM_CLOEXEC = 2 | 0x80000;
    private static final long SIOCGIFFLAGS = 0x8913, SIOCSIFFLAGS = 0x8914, SIOCSIFADDR = 0x8916, SIOCSIFNETMASK = 0x891c;
    private static final short IFF_UP = 0x1;
    /** struct ifreq: a 16-byte name, then a 24-byte union (a sockaddr, or the flags as a short). */
    private static final long IFREQ_SIZE = 40, IFREQ_UNION = 16;

    private Netns() {}

    public static <T> T call(Path netns, Callable<T> body) throws IOException {
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = Thread.ofPlatform().name("netns " + netns.getFileName()).daemon().start(() -> {
            try {
                enter(netns);
                result.set(body.call());
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted in " + netns, e);
        }
        Throwable f = failure.get();
        if (f instanceof IOException io) throw io;
        if (f instanceof RuntimeException re) throw re;
        if (f instanceof Error er) throw er;
        if (f != null) throw new IOException(f);
        return result.get();
    }

    private static void enter(Path netns) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = arena.allocate(CAPTURE);
            int fd = (int) OPEN.invokeExact(errno, arena.allocateFrom(netns.toString()), O_RDONLY_CLOEXEC);
            if (fd < 0) throw new IOException("open " + netns + ": errno " + (int) ERRNO.get(errno, 0L));
            try {
                if ((int) SETNS.invokeExact(errno, fd, CLONE_NEWNET) != 0) {
                    throw new IOException("setns " + netns + ": errno " + (int) ERRNO.get(errno, 0L));
                }
            } finally {
                int ignored = (int) CLOSE.invokeExact(errno, fd);
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable e) {
            throw new IOException("entering " + netns, e);
        }
    }

    /**
     * Gives {@code ifname} an IPv4 address and prefix and brings it and {@code lo} up, in the calling
     * thread's network namespace (call it inside {@link #call}). The classic ioctls, because an
     * {@code ip} process per host costs tens of milliseconds on this kind of machine; the kernel adds
     * the subnet's route itself.
     */
    static void configure(String ifname, String address, int prefixLength) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = arena.allocate(CAPTURE);
            int fd = (int) SOCKET.invokeExact(errno, AF_INET, SOCK_DGRAM_CLOEXEC, 0);
            if (fd < 0) throw new IOException("socket: errno " + (int) ERRNO.get(errno, 0L));
            try {
                ioctl(arena, errno, fd, SIOCSIFADDR, ifreq(arena, ifname, inet(address)));
                int mask = prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
                ioctl(arena, errno, fd, SIOCSIFNETMASK, ifreq(arena, ifname, mask));
                up(arena, errno, fd, "lo");
                up(arena, errno, fd, ifname);
            } finally {
                int ignored = (int) CLOSE.invokeExact(errno, fd);
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable e) {
            throw new IOException("configuring " + ifname, e);
        }
    }

    private static void up(Arena arena, MemorySegment errno, int fd, String ifname) throws Throwable {
        MemorySegment req = ifreq(arena, ifname, 0);
        ioctl(arena, errno, fd, SIOCGIFFLAGS, req);
        req.set(JAVA_SHORT, IFREQ_UNION, (short) (req.get(JAVA_SHORT, IFREQ_UNION) | IFF_UP));
        ioctl(arena, errno, fd, SIOCSIFFLAGS, req);
    }

    private static void ioctl(Arena arena, MemorySegment errno, int fd, long request, MemorySegment req) throws Throwable {
        if ((int) IOCTL.invokeExact(errno, fd, request, req) != 0) {
            throw new IOException("ioctl 0x" + Long.toHexString(request) + " on "
                    + req.getString(0) + ": errno " + (int) ERRNO.get(errno, 0L));
        }
    }

    /** An ifreq for {@code ifname} whose union holds an AF_INET sockaddr with {@code addr} (host order). */
    private static MemorySegment ifreq(Arena arena, String ifname, int addr) {
        byte[] name = ifname.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        if (name.length > 15) throw new IllegalArgumentException("interface name too long: " + ifname);
        MemorySegment req = arena.allocate(IFREQ_SIZE, 8);
        MemorySegment.copy(name, 0, req, JAVA_BYTE, 0, name.length);
        req.set(JAVA_SHORT, IFREQ_UNION, (short) AF_INET);
        req.set(JAVA_INT_BIG_ENDIAN, IFREQ_UNION + 4, addr);
        return req;
    }

    private static int inet(String dotted) {
        int v = 0;
        for (String part : dotted.split("\\.")) v = (v << 8) | Integer.parseInt(part);
        return v;
    }

    private static MethodHandle libc(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow(name), fd, Linker.Option.captureCallState("errno"));
    }
}
