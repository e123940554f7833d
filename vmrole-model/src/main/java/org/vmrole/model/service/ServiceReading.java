package org.vmrole.model.service;

import java.util.List;
import java.util.Optional;

/**
 * What a reader made of a service description: the model (absent when the files could not be read at all;
 * best-effort when {@code problems} holds errors), where each part was written, and the problems found while reading.
 */
public record ServiceReading(Optional<ServiceModel> model, SourceMap sources, List<Problem> problems) {
    public ServiceReading {
        problems = List.copyOf(problems);
    }
}
