package org.vmrole.storage.table;

/**
 * One typed entity property. Values are held as Java types by EDM type: String, Integer, Long, Double,
 * Boolean, and for DateTime/Guid/Binary their canonical strings (ISO instant, lowercase guid, base64).
 */
public record Prop(String type, Object value) {
    public static final String STRING = "Edm.String", INT32 = "Edm.Int32", INT64 = "Edm.Int64", DOUBLE = "Edm.Double",
            BOOLEAN = "Edm.Boolean", DATETIME = "Edm.DateTime", GUID = "Edm.Guid", BINARY = "Edm.Binary";
}
