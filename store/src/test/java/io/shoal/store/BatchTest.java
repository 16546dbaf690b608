package io.shoal.store;

import static io.shoal.store.Fixtures.read;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.shoal.api.Config;
import io.shoal.api.Json;
import io.shoal.api.Secret;
import io.shoal.api.StoredObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The batch codec: what every manager decodes from every entry. */
class BatchTest {
    static final String CLUSTER = """
            {"ID":"c1","Version":{"Index":4},"CreatedAt":"2025-01-01T00:00:00.123456789Z","UpdatedAt":"2025-01-01T00:00:01Z",
             "Spec":{"Name":"default","Labels":{"a":"b"},"Orchestration":{"TaskHistoryRetentionLimit":5},
                     "Raft":{"SnapshotInterval":10000,"KeepOldSnapshots":0,"LogEntriesForSlowFollowers":500,"ElectionTick":10,"HeartbeatTick":1},
                     "Dispatcher":{"HeartbeatPeriod":5000000000},"CAConfig":{"NodeCertExpiry":7776000000000000},
                     "EncryptionConfig":{"AutoLockManagers":true},"TaskDefaults":{"LogDriver":{"Name":"json-file","Options":{"max-size":"1m"}}}},
             "TLSInfo":{"TrustRoot":"-----BEGIN CERTIFICATE-----\\n...","CertIssuerSubject":"MBMxETAPBgNVBAMTCHN3YXJtLWNh","CertIssuerPublicKey":"MFkw"},
             "DataPathPort":4789,"DefaultAddrPool":["10.0.0.0/8"],"SubnetSize":24,
             "JoinTokens":{"Worker":"SWMTKN-1-w","Manager":"SWMTKN-1-m"},
             "RootCA":{"CertPem":"cert","KeyPem":"key"}}""";
    static final String NODE = """
            {"ID":"n1","Version":{"Index":5},"CreatedAt":"2025-01-01T00:00:00Z",
             "Spec":{"Name":"node-1","Labels":{"zone":"a"},"Role":"manager","Availability":"drain"},
             "Description":{"Hostname":"h1","Platform":{"Architecture":"x86_64","OS":"linux"},
                            "Resources":{"NanoCPUs":2000000000,"MemoryBytes":8589934592},
                            "Engine":{"EngineVersion":"0.1.0","Labels":{"l":"v"},"Plugins":[{"Type":"Log","Name":"json-file"}]}},
             "Status":{"State":"ready","Message":"ok","Addr":"10.0.0.1"},
             "ManagerStatus":{"Leader":true,"Reachability":"reachable","Addr":"10.0.0.1:2377"}}""";
    static final String SERVICE = """
            {"ID":"s1","Version":{"Index":6},"CreatedAt":"2025-01-01T00:00:00Z","UpdatedAt":"2025-01-01T00:00:00.5Z",
             "Spec":{"Name":"web","Labels":{"com.docker.stack.namespace":"st"},
                     "TaskTemplate":{"ContainerSpec":{"Image":"busybox:1.36","Command":["sh","-c"],"Args":["sleep 1d"],"Env":["A=1"],
                                                      "Mounts":[{"Type":"tmpfs","Target":"/tmp","TmpfsOptions":{"SizeBytes":1048576}}],
                                                      "StopGracePeriod":3000000000,"Init":true},
                                     "Resources":{"Limits":{"NanoCPUs":500000000,"MemoryBytes":104857600}},
                                     "RestartPolicy":{"Condition":"on-failure","Delay":1000000000,"MaxAttempts":3},
                                     "Placement":{"Constraints":["node.role==worker"],"Preferences":[{"Spread":{"SpreadDescriptor":"node.labels.zone"}}]},
                                     "ForceUpdate":2},
                     "Mode":{"Replicated":{"Replicas":3}},
                     "UpdateConfig":{"Parallelism":2,"FailureAction":"rollback","Order":"start-first"},
                     "EndpointSpec":{"Mode":"vip","Ports":[{"Protocol":"tcp","TargetPort":80,"PublishedPort":8080,"PublishMode":"ingress"}]}},
             "Endpoint":{"Ports":[{"Protocol":"tcp","TargetPort":80,"PublishedPort":8080,"PublishMode":"ingress"}],
                         "VirtualIPs":[{"NetworkID":"ingress1","Addr":"10.255.0.5/16"}]},
             "UpdateStatus":{"State":"updating","StartedAt":"2025-01-01T00:00:00.000000001Z","Message":"update in progress"}}""";
    static final String TASK = """
            {"ID":"t1","Version":{"Index":7},"CreatedAt":"2025-01-01T00:00:00Z","Name":"web.1","Labels":{"x":"y"},
             "Spec":{"ContainerSpec":{"Image":"busybox:1.36"},"ForceUpdate":0},
             "ServiceID":"s1","Slot":1,"NodeID":"n1",
             "Status":{"Timestamp":"2025-01-01T00:00:02.123Z","State":"running","Message":"started",
                       "ContainerStatus":{"ContainerID":"abc","PID":42,"ExitCode":0}},
             "DesiredState":"running",
             "NetworksAttachments":[{"Network":{"ID":"ingress1"},"Addresses":["10.255.0.6/16"]}]}""";
    static final String NETWORK = """
            {"ID":"w1","Version":{"Index":8},"Spec":{"Name":"backend","Labels":{"a":"b"},"DriverConfiguration":{"Name":"overlay"},
             "Attachable":true,"Scope":"swarm"},"DriverState":{"Name":"overlay","Options":{"com.docker.network.driver.overlay.vxlanid_list":"4097"}},
             "IPAMOptions":{"Driver":{"Name":"default"},"Configs":[{"Subnet":"10.0.1.0/24","Gateway":"10.0.1.1"}]}}""";
    static final String SECRET = """
            {"ID":"x1","Version":{"Index":9},"Spec":{"Name":"db-password","Labels":{"a":"b"},"Data":"c2VjcmV0LXZhbHVl"}}""";
    static final String CONFIG = """
            {"ID":"g1","Version":{"Index":10},"Spec":{"Name":"nginx.conf","Data":"c2VydmVyIHt9","Templating":{"Name":"golang"}}}""";

    static Batch decode(byte[] bytes) throws IOException {
        return Batch.decode(bytes, 0, bytes.length);
    }

    /** Every kind of object, through every op, reads back equal: records by equality, byte arrays by content. */
    @Test
    void everyKindOfObjectRoundTrips() throws IOException {
        List<StoredObject> objects = List.of(read(Kind.CLUSTER, CLUSTER), read(Kind.NODE, NODE), read(Kind.SERVICE, SERVICE),
                read(Kind.TASK, TASK), read(Kind.NETWORK, NETWORK), read(Kind.SECRET, SECRET), read(Kind.CONFIG, CONFIG));
        Change.Op[] ops = Change.Op.values();
        List<Change> changes = new java.util.ArrayList<>();
        for (int i = 0; i < objects.size(); i++) {
            changes.add(new Change(ops[i % ops.length], objects.get(i), objects.get(i).version().index()));
        }
        Batch batch = new Batch(Fixtures.AT, changes);
        Batch back = decode(batch.encode());

        assertEquals(Fixtures.AT, back.at());
        assertEquals(changes.size(), back.changes().size());
        for (int i = 0; i < changes.size(); i++) {
            Change sent = changes.get(i);
            Change got = back.changes().get(i);
            assertEquals(sent.op(), got.op());
            assertEquals(sent.kind(), got.kind());
            assertEquals(sent.basedOn(), got.basedOn());
            switch (sent.object()) {
                case Secret s -> {
                    assertArrayEquals(s.spec().data(), ((Secret) got.object()).spec().data());
                    assertEquals(Json.MAPPER.valueToTree(s), Json.MAPPER.valueToTree(got.object()));
                }
                case Config c -> {
                    assertArrayEquals(c.spec().data(), ((Config) got.object()).spec().data());
                    assertEquals(Json.MAPPER.valueToTree(c), Json.MAPPER.valueToTree(got.object()));
                }
                default -> assertEquals(sent.object(), got.object());
            }
        }
        assertEquals("secret-value", new String(((Secret) back.changes().get(5).object()).spec().data(), StandardCharsets.UTF_8));
    }

    @Test
    void aBatchIsReadFromItsPlaceInALargerBuffer() throws IOException {
        byte[] one = Fixtures.batch(Fixtures.create(Fixtures.service("s1", "web"))).encode();
        byte[] framed = new byte[one.length + 20];
        Arrays.fill(framed, (byte) '}');
        System.arraycopy(one, 0, framed, 10, one.length);
        Batch back = Batch.decode(framed, 10, one.length);
        assertEquals("s1", back.changes().getFirst().object().id());
    }

    /** Every cut of an encoded batch is refused as unreadable, never read as part of the batch. */
    @Test
    void aTruncatedBatchIsRefused() {
        byte[] full = Fixtures.batch(Fixtures.create(read(Kind.SERVICE, SERVICE)), Fixtures.delete(read(Kind.TASK, TASK))).encode();
        for (int length = 0; length < full.length; length++) {
            int cut = length;
            Fixtures.assertUnreadable(() -> Batch.decode(full, 0, cut), "cut at " + cut);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "",
            "[]",
            "{\"changes\":[]}",
            "{\"at\":\"2025-01-01T00:00:00Z\",\"changes\":{}}",
            "{\"at\":\"2025-01-01T00:00:00Z\",\"changes\":[{\"op\":\"CREATE\",\"kind\":\"TASK\",\"basedOn\":\"x\",\"object\":{\"ID\":\"t1\"}}]}",
            "{\"at\":\"2025-01-01T00:00:00Z\",\"changes\":[{\"op\":\"CREATE\",\"kind\":\"TASK\",\"basedOn\":0,\"object\":[1]}]}",
            "{\"at\":\"2025-01-01T00:00:00Z\",\"changes\":[{\"op\":\"CREATE\",\"kind\":\"TASK\",\"basedOn\":0,\"object\":{\"Slot\":\"one\"}}]}",
            "{\"at\":\"2025-01-01T00:00:00Z\",\"changes\":[{\"kind\":\"TASK\",\"basedOn\":0,\"object\":{\"ID\":\"t1\"}}]}",
            "{\"at\":\"2025-01-01T00:00:00Z\",\"changes\":[{\"op\":\"CREATE\",\"kind\":\"TASK\",\"basedOn\":0}]}",
    })
    void aCorruptBatchIsRefused(String json) {
        assertUnreadable(json);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"at\":\"yesterday\",\"changes\":[]}",
            "{\"at\":\"2025-01-01T00:00:00Z\",\"changes\":[{\"op\":\"MERGE\",\"kind\":\"TASK\",\"basedOn\":0,\"object\":{\"ID\":\"t1\"}}]}",
            "{\"at\":\"2025-01-01T00:00:00Z\",\"changes\":[{\"op\":\"CREATE\",\"kind\":\"VOLUME\",\"basedOn\":0,\"object\":{\"ID\":\"t1\"}}]}",
    })
    void aBatchWithAnUnknownOpOrKindOrAnUnreadableTimeIsRefused(String json) {
        assertUnreadable(json);
    }

    static void assertUnreadable(String json) {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        Fixtures.assertUnreadable(() -> decode(bytes), json);
    }

    @Test
    void anObjectBeforeItsKindIsRefused() {
        byte[] bytes = """
                {"at":"2025-01-01T00:00:00Z","changes":[{"op":"CREATE","object":{"ID":"t1"},"kind":"TASK","basedOn":0}]}"""
                .getBytes(StandardCharsets.UTF_8);
        IOException e = assertThrows(IOException.class, () -> decode(bytes));
        assertEquals("a change's object comes before its kind", e.getMessage());
    }
}
