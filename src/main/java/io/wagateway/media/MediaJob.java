package io.wagateway.media;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A download job of the {@code whatsapp-media} index as read or written, with the version it was read at, so the next
 * write can be conditional on it ({@code if_seq_no}/{@code if_primary_term}).
 *
 * @param item        the media item the job downloads
 * @param seqNo       the job document's {@code _seq_no}
 * @param primaryTerm the job document's {@code _primary_term}
 * @param doc         the job document's source (fields of docs/media.md "Download jobs")
 */
public record MediaJob(MediaItem item, long seqNo, long primaryTerm, ObjectNode doc) {

    /** @return the job's {@code _id}: {@code {messageDocId}:media:{n}} */
    public String id() {
        return item.jobId();
    }
}
