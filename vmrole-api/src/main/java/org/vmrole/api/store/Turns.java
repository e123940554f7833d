package org.vmrole.api.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.vmrole.api.store.JsonRecords.Versioned;
import org.vmrole.fabric.store.Store;
import org.vmrole.fabric.store.Write;

/**
 * One record per scope that every decision over that scope rewrites in the commit that carries it out. Two decisions
 * that each hold alone but not together (two deploys that each fit the limits; a key created while its subscription is
 * deleted) then meet in the store: the second one's commit conflicts and it is decided again ({@link Optimistic#retry})
 * after the first. The store decides, so this holds across server replicas.
 */
public final class Turns {
    private final Store store;
    private final JsonRecords<Turn> turns;

    /** How many decisions the scope has seen: a counter whose only use is its revision. */
    record Turn(long taken) {}

    public Turns(Store store, ObjectMapper json, String prefix) {
        this.store = store;
        this.turns = new JsonRecords<>(json, prefix, Turn.class);
    }

    /** Read before the decision reads anything else; the write goes into the commit that carries the decision out. */
    public Write take(String scope) {
        Versioned<Turn> now = turns.get(store, scope).orElse(new Versioned<>(new Turn(0), Store.ABSENT));
        return turns.put(scope, new Turn(now.value().taken() + 1), now.revision());
    }
}
