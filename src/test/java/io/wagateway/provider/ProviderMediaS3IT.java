package io.wagateway.provider;

import static org.assertj.core.api.Assertions.assertThat;

import io.wagateway.media.MediaStore;
import io.wagateway.media.S3MediaStore;
import io.wagateway.support.LocalS3;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * {@link ProviderMediaIT} against a real S3-compatible server (s3proxy, started by {@link LocalS3} as a process):
 * every provider's media lands in the bucket under its sha256, read back through the S3 store.
 */
class ProviderMediaS3IT extends ProviderMediaIT {

    @DynamicPropertySource
    static void s3(DynamicPropertyRegistry registry) {
        LocalS3.register(registry);
    }

    @Test
    void theStoreIsTheS3Store() {
        assertThat(camelContext.getRegistry().lookupByNameAndType("mediaStore", MediaStore.class))
                .isInstanceOf(S3MediaStore.class);
    }
}
