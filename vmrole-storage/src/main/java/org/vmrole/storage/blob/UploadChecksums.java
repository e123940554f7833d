package org.vmrole.storage.blob;

import org.vmrole.storage.StorageException;
import org.vmrole.storage.http.StorageRequest;
import org.vmrole.storage.http.StorageResponse;
import org.vmrole.storage.store.Crc64;

import java.util.Base64;

/**
 * The Content-MD5 / x-ms-content-crc64 of an uploaded block, page or append block: checked against
 * what the server computed, and answered as Azure does (the MD5 when one was sent, else the CRC-64).
 */
record UploadChecksums(String givenMd5, String givenCrc) {

    static UploadChecksums from(StorageRequest r) {
        String md5 = r.header("Content-MD5");
        String crc = r.header("x-ms-content-crc64");
        if (md5 != null && crc != null) {
            throw StorageException.badRequest("InvalidHeaderValue", "Send Content-MD5 or x-ms-content-crc64, not both.");
        }
        if (md5 != null && decodedLength(md5) != 16) {
            throw StorageException.badRequest("InvalidMd5", "The MD5 value specified in the request is invalid. MD5 value must be 128 bits and base64 encoded.");
        }
        if (crc != null && decodedLength(crc) != 8) throw StorageException.invalidHeader("x-ms-content-crc64", crc);
        return new UploadChecksums(md5, crc);
    }

    private static int decodedLength(String b64) {
        try {
            return Base64.getDecoder().decode(b64.trim()).length;
        } catch (IllegalArgumentException e) {
            return -1;
        }
    }

    /** Whether the server must compute an MD5 (only to check one that was sent). */
    boolean needsMd5() { return givenMd5 != null; }

    /** Whether the server must compute a CRC-64: to check it, or to answer with it when no MD5 was sent. */
    boolean needsCrc() { return givenMd5 == null; }

    /** Refuses the upload when a sent checksum does not match what arrived. */
    void check(byte[] md5, long crc64) {
        if (givenMd5 != null && !givenMd5.trim().equals(Base64.getEncoder().encodeToString(md5))) {
            throw StorageException.badRequest("Md5Mismatch", "The MD5 value specified in the request did not match with the MD5 value calculated by the server.");
        }
        if (givenCrc != null && !givenCrc.trim().equals(crcHeader(crc64))) {
            throw StorageException.badRequest("Crc64Mismatch", "The CRC64 value specified in the request did not match with the CRC64 value calculated by the server.");
        }
    }

    void respond(StorageResponse resp, long crc64) {
        if (givenMd5 != null) resp.header("Content-MD5", givenMd5.trim());
        else resp.header("x-ms-content-crc64", crcHeader(crc64));
    }

    static long crc(byte[] data) {
        Crc64 c = new Crc64();
        c.update(data, 0, data.length);
        return c.value();
    }

    static String crcHeader(long crc64) {
        return Base64.getEncoder().encodeToString(Crc64.toBytes(crc64));
    }
}
