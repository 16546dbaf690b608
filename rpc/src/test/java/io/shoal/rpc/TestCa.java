package io.shoal.rpc;

import io.shoal.pki.CertificateAuthority;
import io.shoal.pki.IssuedCertificate;
import io.shoal.pki.NodeIdentity;
import io.shoal.pki.NodeRole;
import io.shoal.pki.TestSwarm;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A test swarm's CA as a manager serves it, without the store: real join tokens, renewals keep the identity. */
final class TestCa implements CertificateAuthority {
    final TestSwarm swarm;
    final List<NodeIdentity> issued = new CopyOnWriteArrayList<>();
    final List<NodeIdentity> renewedFor = new CopyOnWriteArrayList<>();

    TestCa(TestSwarm swarm) {
        this.swarm = swarm;
    }

    @Override
    public String rootCaPem() {
        return swarm.root.certificatePem();
    }

    @Override
    public IssuedCertificate issue(String csrPem, String joinToken, NodeRole requestedRole) {
        IssuedCertificate c = swarm.issuer.issue(csrPem, joinToken, requestedRole, List.of());
        issued.add(c.identity());
        return c;
    }

    @Override
    public IssuedCertificate renew(NodeIdentity peer, String csrPem) {
        renewedFor.add(peer);
        return swarm.issuer.issueFor(peer.nodeId(), peer.role(), csrPem, List.of());
    }
}
