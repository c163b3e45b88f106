package io.wagateway.media;

/**
 * A blob in the media store, addressed by the sha256 of its bytes.
 *
 * @param key       the object's key in its store (filesystem: the path under the media directory; S3: the object key)
 * @param sha256    the lowercase hex sha256 of the bytes (64 characters)
 * @param sizeBytes the length, in bytes
 * @param mime      the MIME type it was stored with; may be null when the store does not keep one
 * @param store     {@code filesystem} or {@code s3}
 */
public record StoredObject(String key, String sha256, long sizeBytes, String mime, String store) {
}
