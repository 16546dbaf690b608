package io.shoal.agent.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.api.ApiException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageStoreTest {
    @TempDir
    Path dir;
    ImageStore store;
    TestImages.TestImage busybox;

    @BeforeEach
    void setUp() throws IOException {
        Assumptions.assumeTrue(Posix.isRoot(), () -> skip("these tests need root (mknod of whiteouts, chown, trusted.* xattrs)"));
        Assumptions.assumeTrue(TestImages.haveBusybox(), () -> skip("/usr/bin/busybox is missing (apt-get install busybox-static)"));
        store = new ImageStore(dir.resolve("images"));
        busybox = TestImages.busybox();
    }

    static String skip(String why) {
        System.out.println("SKIPPED " + ImageStoreTest.class.getSimpleName() + ": " + why);
        return why;
    }

    private List<String> load(byte[] tar) throws IOException {
        return store.load(new ByteArrayInputStream(tar));
    }

    @Test
    void loadsDockerSaveAndShowsItLikeDocker() throws Exception {
        assertEquals(List.of("Loaded image: busybox:latest"), load(TestImages.dockerSave(busybox, List.of("busybox:latest"))));

        List<ImageSummary> list = store.list();
        assertEquals(1, list.size());
        ImageSummary s = list.getFirst();
        assertEquals(busybox.id(), s.id());
        assertEquals(List.of("busybox:latest"), s.repoTags());
        assertEquals(List.of(), s.repoDigests());
        assertEquals(1714564800L, s.created());
        assertTrue(s.size() >= Files.size(TestImages.BUSYBOX), "size " + s.size());
        assertEquals(-1, s.sharedSize());
        assertEquals(-1, s.containers());

        ImageInspect i = store.inspect("busybox");
        assertEquals(busybox.id(), i.id());
        assertEquals("amd64", i.architecture());
        assertEquals("linux", i.os());
        assertEquals("[\"sh\"]", i.config().get("Cmd").toString());
        assertEquals(new ImageInspect.RootFS("layers", busybox.diffIds()), i.rootFS());
        assertEquals("2024-05-01T12:00:00.123456789Z", i.created());
        assertEquals(i.id(), store.inspect(busybox.id().substring(7, 19)).id(), "a short id finds it");
        ApiException missing = assertThrows(ApiException.class, () -> store.inspect("nope"));
        assertEquals(404, missing.status());
        assertEquals("No such image: nope", missing.getMessage());

        Image image = store.get("busybox", null);
        assertEquals(List.of("sh"), image.config().cmd());
        assertEquals("SIGTERM", image.config().stopSignal());
        assertEquals(List.of("CMD-SHELL", "true"), image.config().healthcheck().test());
        assertEquals(5_000_000_000L, image.config().healthcheck().interval());
        assertEquals(1, image.layers().size());
        Path root = image.layers().getFirst();
        assertTrue(Files.isExecutable(root.resolve("bin/busybox")));
        assertEquals(Path.of("busybox"), Files.readSymbolicLink(root.resolve("bin/sh")));
        assertEquals(01777, mode(root.resolve("tmp")) & 07777);
        assertEquals(0700, mode(root.resolve("root")) & 07777);
        assertEquals(image, store.get("docker.io/library/busybox:latest", null));
    }

    @Test
    void loadsOciLayoutWithItsNameAndDigest() throws Exception {
        assertEquals(List.of("Loaded image: localhost:5000/app:2"), load(TestImages.ociLayout(busybox, "localhost:5000/app:2")));
        ImageInspect i = store.inspect("localhost:5000/app:2");
        assertEquals(busybox.id(), i.id());
        assertEquals(1, i.repoDigests().size());
        String digest = i.repoDigests().getFirst().substring("localhost:5000/app@".length());
        DistributionInfo d = store.distribution("localhost:5000/app:2").orElseThrow();
        assertEquals(digest, d.descriptor().digest());
        assertEquals(RegistryClient.OCI_MANIFEST, d.descriptor().mediaType());
        assertEquals(List.of(new DistributionInfo.Platform("amd64", "linux")), d.platforms());
        assertEquals(busybox.id(), store.get("localhost:5000/app:2@" + digest, null).id(), "a pinned digest resolves locally");
        assertTrue(store.distribution("localhost:5000/app:3").isEmpty());

        // The same image from docker save: same id, same layer directory, one more tag.
        load(TestImages.dockerSave(busybox, List.of("busybox:latest")));
        assertEquals(1, store.list().size());
        assertEquals(Set.of("busybox:latest", "localhost:5000/app:2"), Set.copyOf(store.list().getFirst().repoTags()));
        assertEquals(1, layerDirs());
        // The real manifest stays the one /distribution answers with.
        assertEquals(digest, store.distribution("busybox").orElseThrow().descriptor().digest());
    }

    @Test
    void untaggedOciImageLoadsById() throws Exception {
        assertEquals(List.of("Loaded image ID: " + busybox.id()), load(TestImages.ociLayout(busybox, null)));
        assertEquals(List.of(), store.list().getFirst().repoTags());
    }

    @Test
    void dockerSaveDigestIsPinnable() throws Exception {
        load(TestImages.dockerSave(busybox, List.of("busybox:latest")));
        DistributionInfo d = store.distribution("busybox:latest").orElseThrow();
        assertEquals(RegistryClient.DOCKER_MANIFEST, d.descriptor().mediaType());
        assertEquals(busybox.id(), store.get("busybox:latest@" + d.descriptor().digest(), null).id());
        assertEquals(List.of(), store.inspect("busybox").repoDigests(), "docker save carries no repo digest");
    }

    @Test
    void layersAreUnpackedOnceAndShared() throws Exception {
        byte[] base = TestImages.busyboxLayer();
        TestImages.TestImage a = TestImages.image(List.of(base, new TestImages.Layer().file("a.txt", "a").build()), List.of("sh"));
        TestImages.TestImage b = TestImages.image(List.of(base, new TestImages.Layer().file("b.txt", "b").build()), List.of("sh"));
        load(TestImages.dockerSave(a, List.of("a:1")));
        load(TestImages.ociLayout(b, "b:1"));
        assertEquals(3, layerDirs());
        Image ia = store.get("a:1", null);
        Image ib = store.get("b:1", null);
        assertEquals(ia.layers().getFirst(), ib.layers().getFirst());
        assertTrue(Files.exists(ia.layers().get(1).resolve("a.txt")));
        assertFalse(Files.exists(ib.layers().get(1).resolve("a.txt")));

        // Removing one keeps the shared layer for the other.
        store.remove("a:1", false, id -> null);
        assertEquals(2, layerDirs());
        assertTrue(Files.isDirectory(ib.layers().getFirst()));
        store.remove("b:1", false, id -> null);
        assertEquals(0, layerDirs());
    }

    @Test
    void concurrentLoadsOfOneImageUnpackItOnce() throws Exception {
        byte[] tar = TestImages.dockerSave(busybox, List.of("busybox:latest"));
        try (var pool = Executors.newFixedThreadPool(4)) {
            List<Future<List<String>>> fs = new ArrayList<>();
            for (int i = 0; i < 4; i++) fs.add(pool.submit((Callable<List<String>>) () -> load(tar)));
            for (var f : fs) assertEquals(List.of("Loaded image: busybox:latest"), f.get());
        }
        assertEquals(1, layerDirs());
        assertEquals(1, store.list().size());
    }

    @Test
    void whiteoutsOpaqueDirsLinksAndOwnershipAreWhatOverlayfsExpects() throws Exception {
        byte[] lower = new TestImages.Layer().dir("etc", 0755).file("etc/a", "a").file("etc/b", "b")
                .dir("d", 0755).file("d/old", "old").build();
        byte[] upper = new TestImages.Layer().dir("etc", 0755).whiteout("etc", "a")
                .dir("d", 0755).opaque("d").file("d/new", "new")
                .owned("etc/secret", "s", 1000, 1001)
                .file("bin/su", "x".getBytes(), 04755)
                .hardlink("bin/su2", "bin/su")
                .symlink("etc/link", "/etc/b")
                .build();
        load(TestImages.dockerSave(TestImages.image(List.of(lower, upper), List.of("sh")), List.of("layers:1")));
        Image image = store.get("layers:1", null);
        Path top = image.layers().get(1);

        Path wh = top.resolve("etc/a");
        assertEquals("c", typeOf(wh));
        assertEquals(0L, Files.getAttribute(wh, "unix:rdev", LinkOption.NOFOLLOW_LINKS));
        assertFalse(Files.exists(top.resolve("etc/.wh.a"), LinkOption.NOFOLLOW_LINKS));
        assertArrayEquals("y".getBytes(), Posix.lgetxattr(top.resolve("d"), "trusted.overlay.opaque"));
        assertFalse(Files.exists(top.resolve("d/.wh..wh..opq"), LinkOption.NOFOLLOW_LINKS));
        assertEquals(1000, Files.getAttribute(top.resolve("etc/secret"), "unix:uid"));
        assertEquals(1001, Files.getAttribute(top.resolve("etc/secret"), "unix:gid"));
        assertEquals(0640, mode(top.resolve("etc/secret")) & 07777);
        assertEquals(04755, mode(top.resolve("bin/su")) & 07777, "setuid survives chown");
        assertEquals(Files.getAttribute(top.resolve("bin/su"), "unix:ino"), Files.getAttribute(top.resolve("bin/su2"), "unix:ino"));
        assertEquals(Path.of("/etc/b"), Files.readSymbolicLink(top.resolve("etc/link")));

        // And overlayfs agrees: the whited-out file and the old contents of the opaque dir are gone.
        Path merged = Files.createDirectory(dir.resolve("merged"));
        String lowerdirs = top + ":" + image.layers().get(0);
        Process mount = new ProcessBuilder("mount", "-t", "overlay", "overlay", "-o", "lowerdir=" + lowerdirs, merged.toString())
                .redirectErrorStream(true).start();
        String out = new String(mount.getInputStream().readAllBytes());
        if (mount.waitFor() != 0) {
            System.out.println("overlay mount not possible here, the overlayfs check is skipped: " + out);
            return;
        }
        try {
            assertFalse(Files.exists(merged.resolve("etc/a")));
            assertEquals("b", Files.readString(merged.resolve("etc/b")));
            assertEquals(Set.of("new"), listNames(merged.resolve("d")));
        } finally {
            new ProcessBuilder("umount", merged.toString()).start().waitFor();
        }
    }

    @Test
    void refusesLayersThatEscape() throws Exception {
        byte[] evil = new TestImages.Layer().symlink("etc", "/tmp").file("etc/shoal-escape-test", "x").build();
        ApiException e = assertThrows(ApiException.class, () -> load(TestImages.dockerSave(TestImages.image(List.of(evil), List.of()), List.of("evil:1"))));
        assertTrue(e.getMessage().contains("passes through the symlink"), e.getMessage());
        assertFalse(Files.exists(Path.of("/tmp/shoal-escape-test")));
        byte[] dotdot = new TestImages.Layer().file("../../shoal-escape-test", "x").build();
        e = assertThrows(ApiException.class, () -> load(TestImages.dockerSave(TestImages.image(List.of(dotdot), List.of()), List.of("evil:2"))));
        assertTrue(e.getMessage().contains("leaves the layer"), e.getMessage());
        assertEquals(0, layerDirs());
        assertEquals(List.of(), store.list());
        try (var tmp = Files.list(dir.resolve("images/tmp"))) {
            assertEquals(0, tmp.count(), "no work left behind");
        }
    }

    @Test
    void refusesArchivesThatAreNeither() {
        ApiException e = assertThrows(ApiException.class, () -> load("not a tar at all".getBytes()));
        assertEquals(400, e.status());
        e = assertThrows(ApiException.class, () -> load(new TestImages.Archive().file("x", new byte[1]).build()));
        assertTrue(e.getMessage().contains("neither manifest.json"), e.getMessage());
    }

    @Test
    void layerThatDoesNotMatchItsDiffIdIsRefused() throws Exception {
        byte[] real = new TestImages.Layer().file("a", "a").build();
        byte[] other = new TestImages.Layer().file("a", "b").build();
        TestImages.TestImage lying = new TestImages.TestImage(TestImages.image(List.of(real), List.of()).config(), List.of(other));
        ApiException e = assertThrows(ApiException.class, () -> load(TestImages.dockerSave(lying, List.of("lying:1"))));
        assertTrue(e.getMessage().contains("the image config says"), e.getMessage());
        assertEquals(0, layerDirs());
    }

    @Test
    void tagAndRemoveFollowDockersRules() throws Exception {
        load(TestImages.dockerSave(busybox, List.of("busybox:latest")));
        String id = busybox.id();
        String shortId = id.substring(7, 19);
        store.tag("busybox", "myrepo", "1");
        store.tag(shortId, "localhost:5000/other", "");
        assertEquals(Set.of("busybox:latest", "myrepo:1", "localhost:5000/other:latest"), Set.copyOf(store.inspect(id).repoTags()));
        assertThrows(ApiException.class, () -> store.tag("busybox", "Bad Name", "1"));
        assertEquals(404, assertThrows(ApiException.class, () -> store.tag("nope", "x", "1")).status());

        // By id with several repositories: must be forced.
        ApiException multi = assertThrows(ApiException.class, () -> store.remove(shortId, false, x -> null));
        assertEquals("conflict: unable to delete " + shortId + " (must be forced) - image is referenced in multiple repositories", multi.getMessage());

        // One of several names: only untagged, even while in use.
        String container = "0123456789abcdef0123";
        assertEquals(List.of(Map.of("Untagged", "myrepo:1")), store.remove("myrepo:1", false, x -> container));
        assertEquals(List.of(Map.of("Untagged", "localhost:5000/other:latest")), store.remove("localhost:5000/other", false, x -> container));

        // The last name of an image a task uses.
        ApiException used = assertThrows(ApiException.class, () -> store.remove("busybox", false, x -> x.equals(id) ? container : null));
        assertEquals(409, used.status());
        assertEquals("conflict: unable to remove repository reference \"busybox\" (must force) - container 0123456789ab is using its referenced image "
                + shortId, used.getMessage());
        ApiException byId = assertThrows(ApiException.class, () -> store.remove(id, true, x -> container));
        assertEquals("conflict: unable to delete " + shortId + " (cannot be forced) - image is being used by running container 0123456789ab",
                byId.getMessage());
        // Forced: untagged, and the image stays, dangling, for the container that runs it.
        assertEquals(List.of(Map.of("Untagged", "busybox:latest")), store.remove("busybox", true, x -> container));
        assertEquals(List.of(), store.inspect(id).repoTags());
        assertEquals(1, layerDirs());

        // Unused: deleted with its layer.
        assertEquals(List.of(Map.of("Deleted", id)), store.remove(shortId, false, x -> null));
        assertEquals(List.of(), store.list());
        assertEquals(0, layerDirs());
        assertEquals(404, assertThrows(ApiException.class, () -> store.remove("busybox", false, x -> null)).status());
    }

    @Test
    void survivesARestart() throws Exception {
        load(TestImages.ociLayout(busybox, "localhost:5000/app:2"));
        store.tag("localhost:5000/app:2", "again", "1");
        ImageStore reopened = new ImageStore(dir.resolve("images"));
        assertEquals(store.list(), reopened.list());
        assertEquals(store.get("again:1", null), reopened.get("again:1", null));
    }

    @Test
    void aMissingDockerHubImageIsNoSuchImage() {
        // There is no internet here; where there is, the name below does not exist either.
        var e = assertThrows(ImageSource.ImageUnavailableException.class,
                () -> store.get("shoal-test/definitely-not-an-image:nope", null));
        assertEquals("No such image: shoal-test/definitely-not-an-image:nope", e.getMessage());
        assertNotNull(e.getCause());
    }

    private int layerDirs() throws IOException {
        try (var s = Files.list(dir.resolve("images/layers"))) {
            return (int) s.count();
        }
    }

    private static int mode(Path p) throws IOException {
        return (int) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
    }

    private static String typeOf(Path p) throws IOException {
        int m = mode(p) & 0170000;
        return m == 0020000 ? "c" : m == 0040000 ? "d" : m == 0100000 ? "f" : "other";
    }

    private static Set<String> listNames(Path d) throws IOException {
        try (var s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
    }
}
