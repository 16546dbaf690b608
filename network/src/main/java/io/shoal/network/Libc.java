package io.shoal.network;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The libc calls the data plane makes through FFM: entering, creating and pinning network
 * namespaces ({@code setns}, {@code unshare}, bind {@code mount}) and the interface ioctls. Each
 * acts on the calling thread's namespace, which is why {@link NamespaceThread} is their only caller
 * for namespace changes. Failures are {@link Failure}s carrying errno.
 */
final class Libc {
    static final int CLONE_NEWNET = 0x40000000;
    static final int ENOENT = 2, ENODEV = 19, EINVAL = 22, EADDRNOTAVAIL = 99;
    private static final int O_RDONLY_CLOEXEC = 0x80000;
    private static final long MS_BIND = 4096;
    private static final int MNT_DETACH = 2;
    private static final int MSG_TRUNC = 0x20;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle OPEN = handle("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle CLOSE = handle("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle SETNS = handle("setns", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle UNSHARE = handle("unshare", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle MOUNT = handle("mount",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    private static final MethodHandle UMOUNT2 = handle("umount2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SOCKET = handle("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SETSOCKOPT = handle("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SEND = handle("send", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle RECV = handle("recv", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle IOCTL = LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow("ioctl"),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS),
            Linker.Option.firstVariadicArg(2), Linker.Option.captureCallState("errno"));
    private static final MethodHandle STRERROR = LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow("strerror"),
            FunctionDescriptor.of(ADDRESS, JAVA_INT));

    /** A libc call that failed, with its errno. */
    static final class Failure extends IOException {
        private final int errno;

        Failure(String call, int errno) {
            this(call, errno, "");
        }

        /** With the kernel's own words, when it gave some (a netlink extended acknowledgement). */
        Failure(String call, int errno, String detail) {
            super(call + ": " + strerror(errno) + (detail.isEmpty() ? "" : " (" + detail + ")"));
            this.errno = errno;
        }

        int errno() {
            return errno;
        }
    }

    /** A body that may call libc. */
    @FunctionalInterface
    interface Call<T> {
        T call(Arena arena, MemorySegment errno) throws Throwable;
    }

    private Libc() {}

    /** An fd for {@code path} (a namespace file), closed with {@link #close}. */
    static int open(Path path) throws IOException {
        return invoke((a, e) -> check((int) OPEN.invokeExact(e, a.allocateFrom(path.toString()), O_RDONLY_CLOEXEC), e, "open " + path));
    }

    static void close(int fd) throws IOException {
        invoke((a, e) -> check((int) CLOSE.invokeExact(e, fd), e, "close"));
    }

    /** Moves the calling thread into the network namespace {@code fd} refers to. */
    static void setns(int fd) throws IOException {
        invoke((a, e) -> check((int) SETNS.invokeExact(e, fd, CLONE_NEWNET), e, "setns"));
    }

    /** Moves the calling thread into a new, empty network namespace. */
    static void unshareNet() throws IOException {
        invoke((a, e) -> check((int) UNSHARE.invokeExact(e, CLONE_NEWNET), e, "unshare"));
    }

    /** Bind-mounts {@code source} on {@code target}, as {@code mount --bind} does. */
    static void bind(Path source, Path target) throws IOException {
        invoke((a, e) -> check((int) MOUNT.invokeExact(e, a.allocateFrom(source.toString()), a.allocateFrom(target.toString()),
                MemorySegment.NULL, MS_BIND, MemorySegment.NULL), e, "mount --bind " + source + " " + target));
    }

    /** Detaches the mount at {@code target}; nothing when nothing is mounted there. */
    static void unmount(Path target) throws IOException {
        try {
            invoke((a, e) -> check((int) UMOUNT2.invokeExact(e, a.allocateFrom(target.toString()), MNT_DETACH), e, "umount " + target));
        } catch (Failure f) {
            if (f.errno() != EINVAL && f.errno() != ENOENT) throw f;
        }
    }

    /** A socket of {@code domain} and {@code type}, in the calling thread's namespace. */
    static int socket(int domain, int type) throws IOException {
        return invoke((a, e) -> check((int) SOCKET.invokeExact(e, domain, type, 0), e, "socket"));
    }

    /** Sets the int socket option {@code name} of {@code level}. */
    static void setsockopt(int fd, int level, int name, int value, String what) throws IOException {
        invoke((a, e) -> check((int) SETSOCKOPT.invokeExact(e, fd, level, name, a.allocateFrom(JAVA_INT, value), 4), e, what));
    }

    /** Sends the first {@code length} bytes of {@code data} as one datagram. */
    static void send(int fd, MemorySegment data, long length, String what) throws IOException {
        invoke((a, e) -> check((int) (long) SEND.invokeExact(e, fd, data, length, 0), e, what));
    }

    /** Receives one datagram into {@code buffer}; its whole length, which exceeds the buffer's when it was cut ({@code MSG_TRUNC}). */
    static long recv(int fd, MemorySegment buffer, String what) throws IOException {
        return invoke((a, e) -> (long) check((int) (long) RECV.invokeExact(e, fd, buffer, buffer.byteSize(), MSG_TRUNC), e, what));
    }

    /** {@code ioctl(fd, request, arg)}; {@code what} names it in the failure. */
    static void ioctl(int fd, long request, MemorySegment arg, String what) throws IOException {
        invoke((a, e) -> check((int) IOCTL.invokeExact(e, fd, request, arg), e, what));
    }

    /** Runs {@code body} with an arena and an errno capture; anything but an IOException is wrapped. */
    static <T> T invoke(Call<T> body) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            return body.call(arena, arena.allocate(CALL_STATE));
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }

    private static int check(int rc, MemorySegment errno, String what) throws Failure {
        if (rc < 0) throw new Failure(what, (int) ERRNO.get(errno, 0L));
        return rc;
    }

    private static String strerror(int errno) {
        try {
            return ((MemorySegment) STRERROR.invokeExact(errno)).reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    private static MethodHandle handle(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow(name), fd, Linker.Option.captureCallState("errno"));
    }
}
