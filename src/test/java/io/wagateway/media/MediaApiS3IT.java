package io.wagateway.media;

import static org.assertj.core.api.Assertions.assertThat;

import io.wagateway.support.LocalS3;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** {@link MediaApiIT} against a real S3-compatible server (s3proxy, {@link LocalS3}): the S3 store serves the same. */
class MediaApiS3IT extends MediaApiIT {

    @DynamicPropertySource
    static void s3(DynamicPropertyRegistry registry) {
        LocalS3.register(registry);
    }

    @Test
    void theObjectsServedAreTheBucketsObjects() {
        assertThat(mediaStore()).isInstanceOf(S3MediaStore.class);
        // s3proxy's filesystem backend keeps each object as a file under the bucket's directory
        assertThat(LocalS3.get().bucketDir().resolve(sha.substring(0, 2)).resolve(sha)).hasBinaryContent(bytes);
    }
}
