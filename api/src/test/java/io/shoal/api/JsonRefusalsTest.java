package io.shoal.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Input Go's decoder refuses, refused by {@link Json#MAPPER} too: the Engine API answers it with
 * 400 and the field's name rather than storing a spec dockerd would never have accepted.
 */
class JsonRefusalsTest {

    static JsonProcessingException refusal(String json, Class<?> type) {
        return assertThrows(JsonProcessingException.class, () -> Json.MAPPER.readValue(json, type), json);
    }

    /** The path of fields to the value refused, as the API's error message names it. */
    static List<String> path(JsonProcessingException e) {
        return assertInstanceOf(MismatchedInputException.class, e).getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]").toList();
    }

    @Test
    void aStringWhereANumberBelongsIsRefused() {
        assertEquals(List.of("TaskTemplate", "ForceUpdate"),
                path(refusal("{\"TaskTemplate\":{\"ForceUpdate\":\"1\"}}", ServiceSpec.class)));
        assertEquals(List.of("TaskTemplate", "ContainerSpec", "StopGracePeriod"),
                path(refusal("{\"TaskTemplate\":{\"ContainerSpec\":{\"StopGracePeriod\":\"10s\"}}}", ServiceSpec.class)));
        assertEquals(List.of("Slot"), path(refusal("{\"Slot\":\"1\"}", Task.class)));
        refusal("{\"Mode\":{\"Replicated\":{\"Replicas\":\"3\"}}}", ServiceSpec.class);
    }

    @Test
    void aNumberOrBooleanWhereAStringBelongsIsRefused() {
        assertEquals(List.of("Name"), path(refusal("{\"Name\":5}", ServiceSpec.class)));
        assertEquals(List.of("TaskTemplate", "ContainerSpec", "Image"),
                path(refusal("{\"TaskTemplate\":{\"ContainerSpec\":{\"Image\":true}}}", ServiceSpec.class)));
        assertEquals(List.of("Labels", "replicas"), path(refusal("{\"Labels\":{\"replicas\":3}}", ServiceSpec.class)));
        assertEquals(List.of("TaskTemplate", "ContainerSpec", "Env", "[0]"),
                path(refusal("{\"TaskTemplate\":{\"ContainerSpec\":{\"Env\":[1]}}}", ServiceSpec.class)));
    }

    /**
     * The same for the fields whose values form a closed set: Jackson would take a number for an
     * enum as its ordinal, Go refuses it.
     */
    @ParameterizedTest
    @ValueSource(strings = {
            "{\"Spec\":{\"Role\":1}}",
            "{\"Spec\":{\"Availability\":0}}",
            "{\"Status\":{\"State\":2}}",
            "{\"ManagerStatus\":{\"Reachability\":2}}",
    })
    void aNumberForANodesRoleAvailabilityOrStateIsRefused(String json) {
        refusal(json, Node.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"TaskTemplate\":{\"RestartPolicy\":{\"Condition\":1}}}",
            "{\"UpdateConfig\":{\"FailureAction\":1}}",
            "{\"UpdateConfig\":{\"Order\":0}}",
            "{\"RollbackConfig\":{\"Order\":1}}",
            "{\"EndpointSpec\":{\"Mode\":0}}",
            "{\"Mode\":{\"Replicated\":1}}",
            "{\"Mode\":{\"Global\":1}}",
            "{\"Mode\":\"global\"}",
    })
    void aNumberForAServicesConditionActionOrderOrModeIsRefused(String json) {
        refusal(json, ServiceSpec.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"DesiredState\":4}", "{\"Status\":{\"State\":7}}"})
    void aNumberForATaskStateIsRefused(String json) {
        refusal(json, Task.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"TaskTemplate\":{\"ContainerSpec\":{\"Env\":\"A=1\"}}}",
            "{\"TaskTemplate\":{\"ContainerSpec\":{\"Command\":{}}}}",
            "{\"Labels\":[\"a=b\"]}",
            "{\"TaskTemplate\":{\"ForceUpdate\":true}}",
            "{\"TaskTemplate\":{\"Placement\":{\"Constraints\":\"node.role==worker\"}}}",
            "{\"Name\":\"web\"",
            "[]",
    })
    void aWrongShapeIsRefused(String json) {
        refusal(json, ServiceSpec.class);
    }

    @Test
    void anUnreadableTimeIsRefused() {
        refusal("{\"ID\":\"t1\",\"CreatedAt\":\"yesterday\"}", Task.class);
    }

    @Test
    void aFractionWhereAnIntegerBelongsIsRefused() {
        assertEquals(List.of("TaskTemplate", "ForceUpdate"),
                path(refusal("{\"TaskTemplate\":{\"ForceUpdate\":1.5}}", ServiceSpec.class)));
    }
}
