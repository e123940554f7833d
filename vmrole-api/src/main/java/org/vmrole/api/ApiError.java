package org.vmrole.api;

/** The body of every error the API returns, inside {@code {"error": ...}}. */
public record ApiError(String code, String message, String target) {
}
