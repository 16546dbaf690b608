package io.shoal.store.raft;

import io.shoal.api.ApiException;
import io.shoal.store.Batch;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * The content of one Raft entry: the batches proposed together (see {@link GroupCommit}), each
 * length-prefixed; and the reply to it: one verdict per batch, "OK" or "ERR status message", which
 * every manager reaches alike. A single verdict answers for every batch of an entry that could not
 * be read at all.
 */
final class Entry {
    static final String OK = "OK";

    private Entry() {}

    static byte[] encode(List<byte[]> batches) {
        int size = Integer.BYTES;
        for (byte[] b : batches) size += Integer.BYTES + b.length;
        ByteBuffer buf = ByteBuffer.allocate(size).putInt(batches.size());
        for (byte[] b : batches) buf.putInt(b.length).put(b);
        return buf.array();
    }

    /** The batches of an entry; a count or length that does not fit the bytes there are is an IOException. */
    static List<Batch> decode(byte[] content) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(content);
        int count = readLength(buf, "count");
        List<Batch> batches = new ArrayList<>(Math.min(count, 1024));
        for (int i = 0; i < count; i++) {
            int length = readLength(buf, "length");
            batches.add(Batch.decode(content, buf.position(), length));
            buf.position(buf.position() + length);
        }
        if (buf.hasRemaining()) throw new IOException("entry: " + buf.remaining() + " bytes after its " + count + " batches");
        return batches;
    }

    private static int readLength(ByteBuffer buf, String what) throws IOException {
        if (buf.remaining() < Integer.BYTES) throw new IOException("entry cut short before a " + what);
        int n = buf.getInt();
        if (n < 0 || n > buf.remaining()) throw new IOException("entry: " + what + " " + n + " does not fit its " + buf.remaining() + " bytes");
        return n;
    }

    static String verdict(ApiException refusal) {
        return refusal == null ? OK : "ERR " + refusal.status() + " " + refusal.getMessage();
    }

    static Message reply(List<String> verdicts) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(verdicts.size());
            for (String v : verdicts) out.writeUTF(v.length() > 8192 ? v.substring(0, 8192) : v);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Message.valueOf(ByteString.copyFrom(bytes.toByteArray()));
    }

    static List<String> verdicts(Message reply) {
        try (DataInputStream in = new DataInputStream(reply.getContent().newInput())) {
            int count = in.readInt();
            List<String> out = new ArrayList<>(count);
            for (int i = 0; i < count; i++) out.add(in.readUTF());
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The store's refusal a verdict carries, or null for "OK". */
    static ApiException refusal(String verdict) {
        if (verdict.equals(OK)) return null;
        int sp = verdict.indexOf(' ', 4);
        return new ApiException(Integer.parseInt(verdict.substring(4, sp)), verdict.substring(sp + 1));
    }
}
