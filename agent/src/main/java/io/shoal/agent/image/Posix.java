package io.shoal.agent.image;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;

/**
 * The few libc calls layer unpacking needs that the JDK does not offer: {@code mknod} (devices,
 * FIFOs and overlayfs whiteouts), {@code lchown}, {@code chmod} with setuid/setgid/sticky bits and
 * {@code lsetxattr} (overlayfs opaque directories, file capabilities). Called through FFM, so no
 * process is started per file; the JVM warns about native access unless run with
 * {@code --enable-native-access=ALL-UNNAMED}.
 */
final class Posix {
    static final int S_IFCHR = 0020000;
    static final int S_IFBLK = 0060000;
    static final int S_IFIFO = 0010000;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle MKNOD = handle("mknod", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
    private static final MethodHandle LCHOWN = handle("lchown", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle CHMOD = handle("chmod", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle LSETXATTR = handle("lsetxattr", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
    private static final MethodHandle LGETXATTR = handle("lgetxattr", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
            ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle GETEUID = LINKER.downcallHandle(LINKER.defaultLookup().find("geteuid").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT));

    private static MethodHandle handle(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), fd,
                Linker.Option.captureCallState("errno"));
    }

    static boolean isRoot() {
        try {
            return (int) GETEUID.invokeExact() == 0;
        } catch (Throwable t) {
            return false;
        }
    }

    /** {@code makedev} of glibc, for the device numbers tar carries. */
    static long makedev(long major, long minor) {
        return ((major & 0xfffff000L) << 32) | ((major & 0xfffL) << 8) | ((minor & 0xffffff00L) << 12) | (minor & 0xffL);
    }

    static void mknod(Path path, int mode, long dev) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(CALL_STATE);
            int rc = (int) MKNOD.invokeExact(state, a.allocateFrom(path.toString()), mode, dev);
            check(rc, state, "mknod", path);
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("mknod " + path + ": " + t, t);
        }
    }

    static void lchown(Path path, int uid, int gid) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(CALL_STATE);
            int rc = (int) LCHOWN.invokeExact(state, a.allocateFrom(path.toString()), uid, gid);
            check(rc, state, "lchown", path);
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("lchown " + path + ": " + t, t);
        }
    }

    /** All twelve permission bits, setuid/setgid/sticky included (the JDK's POSIX view has only nine). */
    static void chmod(Path path, int mode) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(CALL_STATE);
            int rc = (int) CHMOD.invokeExact(state, a.allocateFrom(path.toString()), mode & 07777);
            check(rc, state, "chmod", path);
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("chmod " + path + ": " + t, t);
        }
    }

    static void lsetxattr(Path path, String name, byte[] value) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(CALL_STATE);
            MemorySegment v = value.length == 0 ? a.allocate(1) : a.allocateFrom(ValueLayout.JAVA_BYTE, value);
            int rc = (int) LSETXATTR.invokeExact(state, a.allocateFrom(path.toString()), a.allocateFrom(name), v,
                    (long) value.length, 0);
            check(rc, state, "lsetxattr " + name, path);
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("lsetxattr " + path + ": " + t, t);
        }
    }

    /** The value of an extended attribute, or null when it is not set. */
    static byte[] lgetxattr(Path path, String name) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(CALL_STATE);
            MemorySegment buf = a.allocate(4096);
            long n = (long) LGETXATTR.invokeExact(state, a.allocateFrom(path.toString()), a.allocateFrom(name), buf, 4096L);
            if (n < 0) {
                int errno = (int) ERRNO.get(state, 0L);
                if (errno == 61) return null; // ENODATA
                throw new IOException("lgetxattr " + name + " " + path + ": errno " + errno);
            }
            return buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("lgetxattr " + path + ": " + t, t);
        }
    }

    private static void check(int rc, MemorySegment state, String call, Path path) throws IOException {
        if (rc != 0) throw new IOException(call + " " + path + ": errno " + (int) ERRNO.get(state, 0L));
    }

    private Posix() {}
}
