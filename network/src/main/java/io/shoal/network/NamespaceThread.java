package io.shoal.network;

import java.io.IOException;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The one platform thread that changes network namespace. A namespace belongs to a kernel thread,
 * not to a Java thread: a virtual thread moves between carriers, so it must never {@code setns}.
 * This thread enters a namespace, runs a short body there (open a socket, read or set an interface)
 * and comes back to its home, the namespace the data plane lives in, through an fd of that home it
 * keeps; sockets opened inside keep working from any thread afterwards. Bodies run one at a time.
 */
final class NamespaceThread implements AutoCloseable {
    private static final Path OWN = Path.of("/proc/thread-self/ns/net");
    /** Set before any interface but {@code lo} exists, so the ones made later inherit it from default. */
    private static final List<Path> IPV6_OFF = List.of(Path.of("/proc/sys/net/ipv6/conf/default/disable_ipv6"),
            Path.of("/proc/sys/net/ipv6/conf/all/disable_ipv6"));

    /** A body that may fail with an IOException. */
    @FunctionalInterface
    interface Body<T> {
        T run() throws IOException;
    }

    private final ExecutorService thread;
    /** Null when home is the process's own namespace: bodies for home then run on the caller. */
    private final Path home;
    private final int homeFd;
    private volatile boolean lost;

    /** A thread whose home is the namespace at {@code home}, or the process's own when it is null. */
    NamespaceThread(Path home) throws IOException {
        this.home = home;
        this.thread = Executors.newSingleThreadExecutor(Thread.ofPlatform().name("netns").daemon().factory());
        this.homeFd = submit(() -> {
            // NIO makes a socket that lives as long as the process when the first channel is
            // opened (its pre-close socketpair). Made inside a sandbox, it would hold that
            // namespace, and its veths, forever: have it made here, in the process's own.
            DatagramChannel.open().close();
            if (home != null) {
                int fd = Libc.open(home);
                try {
                    Libc.setns(fd);
                } finally {
                    Libc.close(fd);
                }
            }
            return Libc.open(OWN);
        });
    }

    /** Runs {@code body} inside the namespace pinned at {@code netns}. */
    <T> T in(Path netns, Body<T> body) throws IOException {
        return submit(() -> {
            int fd = Libc.open(netns);
            try {
                Libc.setns(fd);
            } finally {
                Libc.close(fd);
            }
            try {
                return body.run();
            } finally {
                comeHome();
            }
        });
    }

    /** Runs {@code body} in the home namespace (on the caller when home is the process's own). */
    <T> T atHome(Body<T> body) throws IOException {
        if (home == null) return body.run();
        return submit(body::run);
    }

    /**
     * Creates a network namespace with {@code lo} up and IPv6 off, and pins it by bind-mounting
     * it on {@code file}, an existing empty file. Networks here are IPv4 only (as Docker's are
     * unless created with {@code --ipv6}, when Docker too turns IPv6 off in the container): without
     * it, every interface made in the namespace would get a link-local address, duplicate address
     * detection and router solicitations, work the kernel does for nothing.
     */
    void create(Path file) throws IOException {
        submit(() -> {
            Libc.unshareNet();
            try {
                // /proc/sys/net shows the namespace of the thread that opens the file.
                for (Path ipv6 : IPV6_OFF) if (Files.exists(ipv6)) Files.writeString(ipv6, "1\n");
                Interfaces.up("lo");
                Libc.bind(OWN, file);
            } finally {
                comeHome();
            }
            return null;
        });
    }

    @Override
    public void close() {
        thread.shutdown();
        try {
            Libc.close(homeFd);
        } catch (IOException e) {
            // the fd dies with the process anyway
        }
    }

    private void comeHome() {
        try {
            Libc.setns(homeFd);
        } catch (IOException e) {
            // Left in another namespace, every later body would act there: refuse them all instead.
            lost = true;
            throw new IllegalStateException("could not return to the data plane's namespace", e);
        }
    }

    private <T> T submit(Callable<T> body) throws IOException {
        if (lost) throw new IOException("the namespace thread could not return home and was abandoned");
        Future<T> f = thread.submit(body);
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted waiting for the namespace thread", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) throw io;
            if (c instanceof RuntimeException re) throw re;
            if (c instanceof Error er) throw er;
            throw new IOException(c);
        }
    }
}
