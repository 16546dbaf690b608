package io.shoal.rpc;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** gRPC callbacks run on virtual threads: handlers block on the store and on Raft. */
final class Threads {
    static final ExecutorService VIRTUAL = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("shoal-rpc-", 0).factory());

    private Threads() {}
}
