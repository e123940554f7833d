package org.vmrole.model.service;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** Every problem found in a service, in file order, and the model when there is no error. */
public record ValidationReport(Optional<ServiceModel> model, List<Problem> problems) {
    private static final Comparator<Problem> FILE_ORDER = Comparator
            .comparing((Problem p) -> p.where().file())
            .thenComparingInt(p -> p.where().line())
            .thenComparingInt(p -> p.where().column());

    public ValidationReport {
        problems = problems.stream().sorted(FILE_ORDER).toList();
        if (problems.stream().anyMatch(Problem::isError)) model = Optional.empty();
    }

    public boolean valid() {
        return problems.stream().noneMatch(Problem::isError);
    }

    public List<Problem> errors() {
        return problems.stream().filter(Problem::isError).toList();
    }

    public List<Problem> warnings() {
        return problems.stream().filter(p -> !p.isError()).toList();
    }
}
