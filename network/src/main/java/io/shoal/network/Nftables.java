package io.shoal.network;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * nftables through libnftables in this process, the library the {@code nft} command is made of:
 * a script is one transaction, as with {@code nft -f}, and costs a netlink exchange instead of a
 * process (an {@code nft} process costs about 20 ms here, most of it starting). The library acts
 * in the network namespace of the calling thread, where its netlink socket is opened, so callers
 * run it on the namespace thread. One call at a time in the whole process: a context per call, and
 * the library's set-up is not made for threads.
 */
final class Nftables {
    private static final String LIBRARY = "libnftables.so.1";
    private static final Optional<Nftables> LOADED = load();

    private final MethodHandle ctxNew, ctxFree, bufferOutput, bufferError, errorBuffer, runFromBuffer;

    private Nftables(SymbolLookup lib) {
        Linker linker = Linker.nativeLinker();
        ctxNew = linker.downcallHandle(lib.findOrThrow("nft_ctx_new"), FunctionDescriptor.of(ADDRESS, JAVA_INT));
        ctxFree = linker.downcallHandle(lib.findOrThrow("nft_ctx_free"), FunctionDescriptor.ofVoid(ADDRESS));
        bufferOutput = linker.downcallHandle(lib.findOrThrow("nft_ctx_buffer_output"), FunctionDescriptor.of(JAVA_INT, ADDRESS));
        bufferError = linker.downcallHandle(lib.findOrThrow("nft_ctx_buffer_error"), FunctionDescriptor.of(JAVA_INT, ADDRESS));
        errorBuffer = linker.downcallHandle(lib.findOrThrow("nft_ctx_get_error_buffer"), FunctionDescriptor.of(ADDRESS, ADDRESS));
        runFromBuffer = linker.downcallHandle(lib.findOrThrow("nft_run_cmd_from_buffer"), FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    }

    /** The library, when this machine has it (Debian's libnftables1, which nftables depends on). */
    static Optional<Nftables> library() {
        return LOADED;
    }

    private static Optional<Nftables> load() {
        try {
            return Optional.of(new Nftables(SymbolLookup.libraryLookup(LIBRARY, Arena.global())));
        } catch (IllegalArgumentException | IllegalStateException | UnsupportedOperationException e) {
            return Optional.empty();
        }
    }

    /** Applies {@code script} in the calling thread's network namespace; its error text when it fails. */
    synchronized void run(String script) throws IOException {
        MemorySegment ctx;
        try {
            ctx = (MemorySegment) ctxNew.invokeExact(0);
        } catch (Throwable e) {
            throw new IOException("libnftables: " + e, e);
        }
        if (ctx.equals(MemorySegment.NULL)) throw new IOException("libnftables: no context");
        try (Arena arena = Arena.ofConfined()) {
            int ignoredOut = (int) bufferOutput.invokeExact(ctx);
            int ignoredErr = (int) bufferError.invokeExact(ctx);
            int rc = (int) runFromBuffer.invokeExact(ctx, arena.allocateFrom(script));
            if (rc != 0) {
                MemorySegment err = (MemorySegment) errorBuffer.invokeExact(ctx);
                String text = err.equals(MemorySegment.NULL) ? "" : err.reinterpret(Long.MAX_VALUE).getString(0);
                throw new IOException("nft: " + text.strip() + "\n  input:\n" + script.indent(4));
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable e) {
            throw new IOException("libnftables: " + e, e);
        } finally {
            try {
                ctxFree.invokeExact(ctx);
            } catch (Throwable e) {
                // freeing a context does not fail
            }
        }
    }
}
