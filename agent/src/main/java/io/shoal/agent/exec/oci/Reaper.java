package io.shoal.agent.exec.oci;

import io.shoal.agent.exec.Launcher;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's reaper: one small process that starts every container detached ({@code run -d}: no
 * runtime process stays) and, as the containers' child subreaper, collects their ends. When the
 * runtime has started a container and exited, the container's init is reparented to the nearest
 * subreaper among its ancestors, the reaper, whose {@code waitpid} then tells its real exit
 * status: the reaper writes it to the bundle's {@code exitcode} and says so to the daemon.
 *
 * <p>It outlives the daemon (a session of its own): containers must survive a {@code kill -9} of
 * the daemon and still have their exit codes written while it is down. Were the daemon the
 * subreaper, its containers would go to init at its death and their statuses with them. It ends
 * once the daemon is gone and its last container has ended; a restarted daemon starts a new one
 * for new containers and reads the old one's exit files ({@link #adopt}).
 *
 * <p>It is a Perl script (Debian's perl-base is essential, always there): 2.4–2.7 MiB PSS for the
 * whole node here, where a shell monitor and a foreground runc cost ~10 MiB per container; conmon
 * (not measured here) is one process per container, so it could only do worse per container once
 * a node runs a few dozen. Perl calls prctl(PR_SET_CHILD_SUBREAPER) with
 * {@code syscall}; its fork costs under a millisecond, so nothing is forked ahead.
 *
 * <p>Its words, one a line on stdout: {@code S <id> <code>} when the runtime's {@code run -d}
 * ended (0: the container runs and its pid file is written), {@code E <id>} when the container's
 * exit status is in its exit file (a runtime that failed gets its own code there).
 */
final class Reaper {
    private static final Logger LOG = LoggerFactory.getLogger(Reaper.class);

    /**
     * Arguments: prctl's syscall number, the disk dir of the containers (their logs), the tmpfs dir
     * of their bundles, then the runtime's argv ({@code crun --root ROOT}). Statuses of processes
     * reaped before their runtime said which container they are ({@code true} ends before
     * {@code run -d} does) wait in {@code %orphan} until it has; with no start in flight none can be
     * a container's, so they are dropped. A SIGCHLD wakes the select through a pipe, so none is
     * missed between a reap and the next select. The runtime gets default SIGPIPE and SIGCHLD back.
     */
    private static final String SCRIPT = """
            use strict; use POSIX qw(setsid WNOHANG _exit);
            my ($prctl, $disk, $run, @rt) = @ARGV;
            setsid();
            syscall($prctl, 36, 1, 0, 0, 0) == 0 or die "prctl(PR_SET_CHILD_SUBREAPER): $!";
            chdir($run) or die "$run: $!";
            $| = 1;
            pipe(my $waker, my $wake) or die "pipe: $!";
            $SIG{PIPE} = 'IGNORE';
            $SIG{CHLD} = sub { syswrite($wake, "x") };
            my (%starting, %init, %orphan);
            my ($open, $buf) = (1, '');
            sub ended {
              my ($id, $code) = @_;
              my $b = "$run/containers/$id";
              if (open(my $f, '>', "$b/exitcode.tmp")) { print $f "$code\\n"; close($f); rename("$b/exitcode.tmp", "$b/exitcode"); }
              print "E $id\\n";
            }
            sub reap {
              my $pid;
              while (($pid = waitpid(-1, WNOHANG)) > 0) {
                my $code = ($? & 127) ? 128 + ($? & 127) : $? >> 8;
                if (defined(my $id = delete $starting{$pid})) {
                  print "S $id $code\\n";
                  my $init;
                  if ($code == 0 && open(my $f, '<', "$run/containers/$id/pid")) { $init = <$f>; close($f); $init =~ s/\\s//g; }
                  if (!$init) { ended($id, $code || 255); }
                  elsif (exists $orphan{$init}) { ended($id, delete $orphan{$init}); }
                  else { $init{$init} = $id; }
                  %orphan = () unless %starting;
                } elsif (defined(my $id = delete $init{$pid})) {
                  ended($id, $code);
                } else {
                  $orphan{$pid} = $code;
                }
              }
              return $pid;
            }
            sub start {
              my $id = shift;
              my $b = "$run/containers/$id";
              my $pid = fork();
              if (!defined $pid) { print "S $id 255\\n"; ended($id, 255); return; }
              if ($pid == 0) {
                $SIG{PIPE} = 'DEFAULT'; $SIG{CHLD} = 'DEFAULT';
                open(STDIN, '<', '/dev/null') && open(STDOUT, '>', "$disk/$id/stdout.log") && open(STDERR, '>', "$disk/$id/stderr.log") or _exit(126);
                exec(@rt, '--log', "$b/runtime.log", '--log-format', 'json', 'run', '-d', '--pid-file', "$b/pid", '--bundle', $b, $id);
                _exit(127);
              }
              $starting{$pid} = $id;
            }
            for (;;) {
              last if reap() < 0 && !$open;
              my $rin = '';
              vec($rin, fileno($waker), 1) = 1;
              vec($rin, 0, 1) = 1 if $open;
              next if select(my $rout = $rin, undef, undef, undef) <= 0;
              sysread($waker, my $junk, 4096) if vec($rout, fileno($waker), 1);
              if ($open && vec($rout, 0, 1)) {
                $open = 0 unless sysread(STDIN, $buf, 4096, length($buf));
                start($1) while $buf =~ s/^([^\\n]*)\\n//;
              }
            }
            """;

    /** How often {@link #adopt} looks at the containers of earlier reapers. */
    private static final long SWEEP_MILLIS = 1000;

    /** A container being started: the runtime's exit code, then the container's end. */
    record Run(CompletableFuture<Integer> started, CompletableFuture<Void> ended) {}

    private record Adopted(long reaperPid, Path exitFile) {}

    /** A reaper process and the runs ordered from it, which its death ends. */
    private record Spawned(Process process, OutputStream orders, Map<String, Run> runs) {}

    private final List<String> argv;
    private final Path runRoot;
    private final Map<CompletableFuture<Void>, Adopted> adopted = new ConcurrentHashMap<>();
    private boolean sweeping; // guarded by this
    private Spawned reaper; // guarded by this

    /**
     * @param logs the dir of the containers' disk dirs (stdout.log and stderr.log go there)
     * @param runRoot the executor's tmpfs: the reaper works there, the bundles are in its {@code containers}
     */
    Reaper(Path logs, Path runRoot, OciRuntime runtime) {
        List<String> a = new ArrayList<>(List.of("perl", "-e", SCRIPT, prctlSyscall(), logs.toString(),
                runRoot.toString()));
        a.addAll(runtime.argv());
        this.argv = List.copyOf(a);
        this.runRoot = runRoot;
    }

    private static String prctlSyscall() {
        return switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> "157";
            case "aarch64" -> "167";
            default -> throw new IllegalStateException("the oci executor's reaper knows prctl's number on amd64 and aarch64 only");
        };
    }

    /**
     * Has the reaper start container {@code id} (its bundle prepared); records the reaper's pid in
     * {@code reaperFile} first, so a restarted daemon knows whom to ask.
     */
    Run start(String id, Path reaperFile) throws IOException, InterruptedException {
        Run run = new Run(new CompletableFuture<>(), new CompletableFuture<>());
        byte[] order = (id + "\n").getBytes(StandardCharsets.UTF_8);
        synchronized (this) {
            for (boolean retried = false; ; retried = true) {
                if (reaper == null || !reaper.process().isAlive()) reaper = spawn();
                Spawned s = reaper;
                Files.writeString(reaperFile, Long.toString(s.process().pid()));
                s.runs().put(id, run);
                try {
                    s.orders().write(order);
                    s.orders().flush();
                    return run;
                } catch (IOException e) {
                    // the reaper died (killed by hand, say): start another, once
                    s.runs().remove(id, run);
                    reaper = null;
                    if (retried) throw e;
                }
            }
        }
    }

    /**
     * The end of a container started by reaper {@code reaperPid}, of this daemon or an earlier one:
     * done when its exit file exists or that reaper is gone (then nobody will write it).
     */
    CompletableFuture<Void> adopt(long reaperPid, Path exitFile) {
        CompletableFuture<Void> end = new CompletableFuture<>();
        Adopted a = new Adopted(reaperPid, exitFile);
        if (ended(a)) {
            end.complete(null);
            return end;
        }
        adopted.put(end, a);
        sweep();
        return end;
    }

    private boolean ended(Adopted a) {
        return Files.exists(a.exitFile()) || !isReaper(a.reaperPid(), runRoot);
    }

    private synchronized void sweep() {
        if (sweeping) return;
        sweeping = true;
        Thread.ofVirtual().name("reaper-sweeper").start(() -> {
            for (;;) {
                try {
                    Thread.sleep(SWEEP_MILLIS);
                } catch (InterruptedException e) {
                    return;
                }
                adopted.forEach((end, a) -> {
                    if (ended(a)) {
                        adopted.remove(end);
                        end.complete(null);
                    }
                });
                synchronized (this) {
                    if (adopted.isEmpty()) {
                        sweeping = false;
                        return;
                    }
                }
            }
        });
    }

    /** Whether process {@code pid} is a reaper working in {@code runRoot} (and not a process that reused its pid). */
    static boolean isReaper(long pid, Path runRoot) {
        try {
            return Files.isSameFile(Path.of("/proc", Long.toString(pid), "cwd"), runRoot);
        } catch (IOException e) {
            return false;
        }
    }

    private Spawned spawn() throws IOException, InterruptedException {
        if (reaper != null) {
            try {
                reaper.orders().close(); // a reaper that lives on ends with its last container
            } catch (IOException e) {
                // broken already
            }
        }
        Process p = Launcher.start(new ProcessBuilder(argv).directory(new File("/"))
                .redirectError(ProcessBuilder.Redirect.appendTo(runRoot.resolve("reaper.log").toFile())));
        Spawned s = new Spawned(p, p.getOutputStream(), new ConcurrentHashMap<>());
        // Until the reaper has ended, with the last of its containers.
        Thread.ofVirtual().name("reaper-" + p.pid()).start(() -> {
            try (var lines = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = lines.readLine()) != null; ) {
                    String[] w = line.split(" ");
                    if (w.length == 3 && w[0].equals("S")) {
                        Run r = s.runs().get(w[1]);
                        if (r != null) r.started().complete(Integer.parseInt(w[2]));
                    } else if (w.length == 2 && w[0].equals("E")) {
                        Run r = s.runs().remove(w[1]);
                        if (r != null) r.ended().complete(null);
                    }
                }
            } catch (IOException | NumberFormatException e) {
                LOG.warn("reading the container reaper's words failed: {}", e.getMessage());
            }
            // Gone: what it started has no one to collect its end any more.
            s.runs().values().forEach(r -> {
                r.started().complete(-1);
                r.ended().complete(null);
            });
        });
        return s;
    }
}
