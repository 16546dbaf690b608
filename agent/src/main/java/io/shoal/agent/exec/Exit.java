package io.shoal.agent.exec;

/** How a task's main process ended: its exit code (128 + signal when killed) and whether the kernel's OOM killer did it. */
public record Exit(int code, boolean oomKilled) {

    /** The status error of a failed task, worded as swarmkit words it. */
    public String describe() {
        return "task: non-zero exit (" + code + ")" + (oomKilled ? ": the container ran out of memory (OOM killed)" : "");
    }
}
