package io.shoal.manager.control;

import io.shoal.api.ApiException;
import io.shoal.api.Config;
import io.shoal.api.ContainerSpec;
import io.shoal.api.Driver;
import io.shoal.api.Ids;
import io.shoal.api.Secret;
import io.shoal.api.Service;
import io.shoal.api.StoredObject;
import io.shoal.api.Version;
import io.shoal.store.Kind;
import io.shoal.store.ReadTx;
import io.shoal.store.Store;
import java.security.MessageDigest;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Secrets or configs (swarmkit's controlapi secret.go and config.go, which differ only in their
 * word, their size limit and secrets' external drivers): created with their data, listed,
 * inspected, relabelled (nothing else of them ever changes: a task holds a copy of what it was
 * given, and a rotation is a new object), and removed while no service refers to them.
 */
public final class PayloadControl<T extends StoredObject> {
    /** swarmkit's isValidConfigOrSecretName. */
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9]+(?:[a-zA-Z0-9-_.]*[a-zA-Z0-9])?");
    /** The one template driver the agent expands (see docs/design/secrets.md). */
    public static final String GOLANG_TEMPLATES = "golang";

    /**
     * What differs between secrets and configs: the word in messages, the store kind, the size
     * limit (swarmkit's MaxSecretSize and MaxConfigSize: data must be shorter), how to read and
     * make one, and which references of a container spec name one.
     */
    record Family<T extends StoredObject>(String word, Kind kind, int maxBytes, Function<T, Fields> fields,
                                          Maker<T> maker, Function<ContainerSpec, List<String>> referencedIds) {}

    /** The parts of a secret or config every operation reads. */
    public record Fields(String name, Map<String, String> labels, byte[] data, Driver driver, Driver templating) {}

    @FunctionalInterface
    interface Maker<T> {
        T make(String id, Version version, T old, Fields fields);
    }

    static final Family<Secret> SECRETS = new Family<>("secret", Kind.SECRET, 500 * 1024,
            s -> new Fields(s.spec().name(), s.spec().labels(), s.spec().data(), s.spec().driver(), s.spec().templating()),
            (id, v, old, f) -> new Secret(id, v, old == null ? null : old.createdAt(), old == null ? null : old.updatedAt(),
                    new Secret.Spec(f.name(), f.labels(), f.data(), f.driver(), f.templating())),
            c -> c.secrets() == null ? List.of() : c.secrets().stream().map(ContainerSpec.SecretReference::secretId).toList());

    static final Family<Config> CONFIGS = new Family<>("config", Kind.CONFIG, 1000 * 1024,
            c -> new Fields(c.spec().name(), c.spec().labels(), c.spec().data(), null, c.spec().templating()),
            (id, v, old, f) -> new Config(id, v, old == null ? null : old.createdAt(), old == null ? null : old.updatedAt(),
                    new Config.Spec(f.name(), f.labels(), f.data(), f.templating())),
            c -> c.configs() == null ? List.of() : c.configs().stream().map(ContainerSpec.ConfigReference::configId).toList());

    /**
     * Which ones a list shows, as dockerd maps its filters onto swarmkit's: {@code names} exact
     * names, {@code name} name prefixes, {@code id} id prefixes, and every label ("key" or
     * "key=value").
     */
    public record Query(List<String> names, List<String> namePrefixes, List<String> idPrefixes, List<String> labels) {}

    private final Store store;
    private final Family<T> family;

    PayloadControl(Store store, Family<T> family) {
        this.store = store;
        this.family = family;
    }

    /** What one of these objects is made of. */
    public Fields fields(T o) {
        return family.fields().apply(o);
    }

    public String create(Fields requested) {
        validate(requested);
        String id = Ids.newId();
        return store.update(tx -> {
            if (tx.byName(family.kind(), requested.name()) != null) {
                throw ApiException.conflict("%s %s already exists", family.word(), requested.name());
            }
            tx.create(family.maker().make(id, Version.NONE, null, requested));
            return id;
        });
    }

    private void validate(Fields f) {
        if (f.name() == null || f.name().isEmpty()) throw ApiException.invalid("name must be provided");
        if (f.name().length() > 64 || !NAME.matcher(f.name()).matches()) {
            throw ApiException.invalid("invalid name, only 64 [a-zA-Z0-9-_.] characters allowed, and the start and end character must be [a-zA-Z0-9]");
        }
        if (f.driver() != null && f.driver().name() != null && !f.driver().name().isEmpty()) {
            throw new ApiException(501, family.word() + " drivers are not supported by this daemon: the data must be given");
        }
        byte[] data = f.data();
        if (data == null || data.length < 1 || data.length >= family.maxBytes()) {
            throw ApiException.invalid("%s data must be larger than 0 and less than %d bytes", family.word(), family.maxBytes());
        }
        Driver t = f.templating();
        if (t != null && t.name() != null && !t.name().isEmpty() && !t.name().equals(GOLANG_TEMPLATES)) {
            throw ApiException.invalid("template driver %s is not supported: only %s", t.name(), GOLANG_TEMPLATES);
        }
    }

    /** By full id, name or unique id prefix. */
    public T get(String ref) {
        return store.view(r -> resolve(r, ref));
    }

    public List<T> list(Query q) {
        return store.view(r -> r.<T>list(family.kind()).stream()
                .filter(o -> q.names().isEmpty() && q.namePrefixes().isEmpty() && q.idPrefixes().isEmpty()
                        || q.names().contains(fields(o).name())
                        || q.namePrefixes().stream().anyMatch(fields(o).name()::startsWith)
                        || q.idPrefixes().stream().anyMatch(o.id()::startsWith))
                .filter(o -> Selector.labels(q.labels(), fields(o).labels()))
                .sorted(Comparator.comparing(o -> fields(o).name()))
                .toList());
    }

    /** Only the labels may change; the name and data must be those it has (swarmkit's rule). */
    public void update(String ref, long version, Fields requested) {
        store.update(tx -> {
            T current = resolve(tx, ref);
            if (current.version().index() != version) throw ApiException.conflict("update out of sequence");
            Fields now = fields(current);
            if (requested == null || !Objects.equals(now.name(), requested.name())
                    || requested.data() != null && requested.data().length > 0
                    && !MessageDigest.isEqual(now.data(), requested.data())) {
                throw ApiException.invalid("only updates to Labels are allowed");
            }
            tx.update(family.maker().make(current.id(), current.version(), current,
                    new Fields(now.name(), requested.labels(), now.data(), now.driver(), now.templating())));
            return null;
        });
    }

    /** Refused while a service refers to it: its tasks, and their replacements, need it. */
    public void remove(String ref) {
        store.update(tx -> {
            T o = resolve(tx, ref);
            List<String> users = tx.services().stream().filter(s -> refersTo(s, o.id()))
                    .map(s -> s.spec().name()).sorted().toList();
            if (!users.isEmpty()) {
                throw ApiException.invalid("%s '%s' is in use by the following %s: %s", family.word(), fields(o).name(),
                        users.size() == 1 ? "service" : "services", String.join(", ", users));
            }
            tx.delete(o);
            return null;
        });
    }

    private boolean refersTo(Service s, String id) {
        var t = s.spec().taskTemplate();
        return t != null && t.containerSpec() != null && family.referencedIds().apply(t.containerSpec()).contains(id);
    }

    private T resolve(ReadTx r, String ref) {
        if (ref == null || ref.isEmpty()) throw ApiException.invalid("%s ID must be provided", family.word());
        T byId = r.get(family.kind(), ref);
        if (byId != null) return byId;
        T byName = r.byName(family.kind(), ref);
        if (byName != null) return byName;
        List<T> byPrefix = r.<T>list(family.kind()).stream().filter(o -> o.id().startsWith(ref)).toList();
        if (byPrefix.size() == 1) return byPrefix.getFirst();
        if (byPrefix.size() > 1) throw ApiException.invalid("%s %s is ambiguous (%d matches found)", family.word(), ref, byPrefix.size());
        throw ApiException.notFound("%s %s not found", family.word(), ref);
    }
}
