package io.shoal.agent.exec.oci;

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
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Host mounts: is a path a mount point, and {@code mount(2)}/{@code umount2(2)} called through FFM.
 * Exec'ing {@code mount} cost a process start (~20 ms on this kind of machine) on every container
 * start and removal.
 */
final class Mounts {
    private static final int MNT_DETACH = 2;
    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle MOUNT = handle("mount", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS));
    private static final MethodHandle UMOUNT2 = handle("umount2", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle STRERROR = LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow("strerror"),
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));

    private Mounts() {}

    /**
     * Whether a file system of its own (the overlays and tmpfs this executor mounts) is mounted at
     * {@code p}: its device differs from its parent's. Reading mountinfo instead cost ~0.7 ms a call
     * with a few hundred mounts.
     */
    static boolean isMountPoint(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        if (abs.getParent() == null) return true;
        try {
            return !Files.getAttribute(abs, "unix:dev", LinkOption.NOFOLLOW_LINKS)
                    .equals(Files.getAttribute(abs.getParent(), "unix:dev", LinkOption.NOFOLLOW_LINKS));
        } catch (IOException e) {
            return false;
        }
    }

    /** An overlayfs at {@code target}; {@code options} as {@code mount -o} takes them (lowerdir=...,upperdir=...,workdir=...). */
    static void overlay(String options, Path target) throws IOException {
        mount("overlay", options, target);
    }

    static void tmpfs(String options, Path target) throws IOException {
        mount("tmpfs", options, target);
    }

    /** A cgroup v1 hierarchy of {@code controller} at {@code target}. */
    static void cgroupV1(String controller, Path target) throws IOException {
        mount("cgroup", controller, target);
    }

    private static void mount(String type, String options, Path target) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(CALL_STATE);
            int rc = (int) MOUNT.invokeExact(state, a.allocateFrom(type), a.allocateFrom(target.toString()),
                    a.allocateFrom(type), 0L, a.allocateFrom(options));
            if (rc != 0) throw new IOException("mount " + type + " " + target + ": " + error(state));
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("mount " + type + " " + target + ": " + t, t);
        }
    }

    /** Unmounts {@code target}; lazily (MNT_DETACH) when it is busy, as {@code umount -l} would. */
    static void unmount(Path target) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(CALL_STATE);
            MemorySegment path = a.allocateFrom(target.toString());
            if ((int) UMOUNT2.invokeExact(state, path, 0) == 0) return;
            if ((int) UMOUNT2.invokeExact(state, path, MNT_DETACH) != 0) throw new IOException("umount " + target + ": " + error(state));
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("umount " + target + ": " + t, t);
        }
    }

    private static String error(MemorySegment state) throws Throwable {
        int errno = (int) ERRNO.get(state, 0L);
        var msg = (MemorySegment) STRERROR.invokeExact(errno);
        return msg.reinterpret(256).getString(0);
    }

    private static MethodHandle handle(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow(name), fd, Linker.Option.captureCallState("errno"));
    }
}
