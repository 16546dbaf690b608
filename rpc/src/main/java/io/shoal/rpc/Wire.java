package io.shoal.rpc;

import com.fasterxml.jackson.core.JacksonException;
import com.google.protobuf.ByteString;
import io.shoal.api.Json;
import io.shoal.api.Task;
import io.shoal.api.TaskStatus;
import io.shoal.api.dispatcher.Assignments;
import io.shoal.api.dispatcher.Dependencies;
import io.shoal.api.dispatcher.NetworkView;
import io.shoal.api.dispatcher.TaskStatusUpdate;
import io.shoal.rpc.proto.AssignmentsMessage;
import java.io.IOException;
import java.util.List;

/** Our records as the JSON bytes fields of the protos (see dispatcher.proto for why JSON). */
final class Wire {

    static ByteString json(Object value) {
        if (value == null) return ByteString.EMPTY;
        try {
            return ByteString.copyFrom(Json.MAPPER.writeValueAsBytes(value));
        } catch (JacksonException e) {
            throw new IllegalStateException("cannot write " + value.getClass().getSimpleName() + " as JSON: " + e.getMessage(), e);
        }
    }

    /** Null for an empty field; a malformed one is the sender's fault (INVALID_ARGUMENT). */
    static <T> T read(ByteString json, Class<T> type) {
        if (json.isEmpty()) return null;
        try {
            return Json.MAPPER.readValue(json.newInput(), type);
        } catch (IOException e) {
            throw new IllegalArgumentException("malformed " + type.getSimpleName() + " JSON: " + e.getMessage(), e);
        }
    }

    static AssignmentsMessage toProto(Assignments a) {
        var m = AssignmentsMessage.newBuilder()
                .setType(a.type() == Assignments.Type.COMPLETE ? AssignmentsMessage.Type.COMPLETE : AssignmentsMessage.Type.INCREMENTAL);
        if (a.changed() != null) a.changed().forEach(t -> m.addChangedTaskJson(json(t)));
        if (a.removed() != null) m.addAllRemovedTaskIds(a.removed());
        if (a.networks() != null) a.networks().forEach(n -> m.addChangedNetworkJson(json(n)));
        if (a.removedNetworks() != null) m.addAllRemovedNetworkIds(a.removedNetworks());
        if (!a.dependencies().isEmpty()) m.setDependenciesJson(json(a.dependencies()));
        return m.build();
    }

    static Assignments fromProto(AssignmentsMessage m) {
        var type = switch (m.getType()) {
            case COMPLETE -> Assignments.Type.COMPLETE;
            case INCREMENTAL -> Assignments.Type.INCREMENTAL;
            case UNRECOGNIZED -> throw new IllegalArgumentException("unknown assignments type " + m.getTypeValue());
        };
        List<Task> changed = m.getChangedTaskJsonList().stream().map(b -> read(b, Task.class)).toList();
        List<NetworkView> networks = m.getChangedNetworkJsonList().stream().map(b -> read(b, NetworkView.class)).toList();
        Dependencies dependencies = m.getDependenciesJson().isEmpty() ? Dependencies.NONE
                : read(m.getDependenciesJson(), Dependencies.class);
        return new Assignments(type, changed, List.copyOf(m.getRemovedTaskIdsList()), networks,
                List.copyOf(m.getRemovedNetworkIdsList()), dependencies);
    }

    static io.shoal.rpc.proto.TaskStatusUpdate toProto(TaskStatusUpdate u) {
        return io.shoal.rpc.proto.TaskStatusUpdate.newBuilder().setTaskId(u.taskId()).setStatusJson(json(u.status())).build();
    }

    static TaskStatusUpdate fromProto(io.shoal.rpc.proto.TaskStatusUpdate u) {
        return new TaskStatusUpdate(u.getTaskId(), read(u.getStatusJson(), TaskStatus.class));
    }

    private Wire() {}
}
