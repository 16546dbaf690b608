package io.shoal.api.dispatcher;

import io.shoal.api.TaskStatus;

public record TaskStatusUpdate(String taskId, TaskStatus status) {}
