package io.shoal.agent.exec.oci;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Resolves Docker's {@code user[:group]} (names or numbers) against a container's own
 * {@code /etc/passwd} and {@code /etc/group}, as moby/sys/user's GetExecUser does: a number with
 * no passwd entry is taken as is (group 0), a name that is not there is an error, and the user's
 * supplementary groups come from /etc/group.
 */
final class Users {
    record ExecUser(long uid, long gid, List<Long> additionalGids, String home) {}

    private record Passwd(String name, long uid, long gid, String home) {}

    private record Group(String name, long gid, List<String> members) {}

    private Users() {}

    /** {@code rootfs} is the container's root as mounted on the host; its files are read without following symlinks out of it. */
    static ExecUser resolve(String user, List<String> extraGroups, Path rootfs) {
        List<Passwd> passwd = passwd(read(rootfs, "etc/passwd"));
        List<Group> groups = groups(read(rootfs, "etc/group"));
        String u = user == null || user.isEmpty() ? "0" : user;
        String g = null;
        int colon = u.indexOf(':');
        if (colon >= 0) {
            g = u.substring(colon + 1);
            u = u.substring(0, colon);
        }
        Passwd entry = null;
        long uid;
        if (isNumber(u)) {
            uid = Long.parseLong(u);
            for (Passwd p : passwd) if (p.uid() == uid) { entry = p; break; }
        } else {
            for (Passwd p : passwd) if (p.name().equals(u)) { entry = p; break; }
            if (entry == null) throw new IllegalArgumentException("unable to find user " + u + ": no matching entries in passwd file");
            uid = entry.uid();
        }
        long gid = entry == null ? 0 : entry.gid();
        if (g != null && !g.isEmpty()) gid = groupId(g, groups);
        Set<Long> extra = new LinkedHashSet<>();
        if (entry != null && g == null) {
            for (Group gr : groups) if (gr.members().contains(entry.name()) && gr.gid() != gid) extra.add(gr.gid());
        }
        if (extraGroups != null) for (String e : extraGroups) extra.add(groupId(e, groups));
        return new ExecUser(uid, gid, List.copyOf(extra), entry == null || entry.home().isEmpty() ? "/" : entry.home());
    }

    private static long groupId(String g, List<Group> groups) {
        if (isNumber(g)) return Long.parseLong(g);
        for (Group gr : groups) if (gr.name().equals(g)) return gr.gid();
        throw new IllegalArgumentException("unable to find group " + g + ": no matching entries in group file");
    }

    private static boolean isNumber(String s) {
        return !s.isEmpty() && s.length() < 11 && s.chars().allMatch(Character::isDigit);
    }

    private static List<String> read(Path rootfs, String file) {
        if (rootfs == null) return List.of();
        Path p = rootfs;
        for (String part : file.split("/")) {
            p = p.resolve(part);
            if (Files.isSymbolicLink(p)) return List.of(); // could point anywhere on the host
        }
        if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) return List.of();
        try {
            return Files.readAllLines(p);
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    private static List<Passwd> passwd(List<String> lines) {
        List<Passwd> out = new ArrayList<>();
        for (String l : lines) {
            String[] f = l.split(":", -1);
            if (f.length < 7 || l.startsWith("#") || !isNumber(f[2]) || !isNumber(f[3])) continue;
            out.add(new Passwd(f[0], Long.parseLong(f[2]), Long.parseLong(f[3]), f[5]));
        }
        return out;
    }

    private static List<Group> groups(List<String> lines) {
        List<Group> out = new ArrayList<>();
        for (String l : lines) {
            String[] f = l.split(":", -1);
            if (f.length < 4 || l.startsWith("#") || !isNumber(f[2])) continue;
            out.add(new Group(f[0], Long.parseLong(f[2]), f[3].isEmpty() ? List.of() : List.of(f[3].split(","))));
        }
        return out;
    }
}
