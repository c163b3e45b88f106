package io.wagateway.media;

import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.aws2.s3.AWS2S3Constants;
import org.apache.camel.component.aws2.s3.AWS2S3Operations;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The S3-compatible media store ({@code gateway.media.store=s3}): AWS S3, MinIO, Ceph, Cloudflare R2, Google Cloud
 * Storage's XML API... through camel-aws2-s3's producer ({@code aws2-s3://{bucket}}). The bytes of hash {@code h} are
 * the object {@code {prefix}{h[0:2]}/{h}}, their MIME type its {@code Content-Type}.
 *
 * <ul>
 *   <li>{@link #put}: {@code headObject} first (content-addressed: bytes already stored are not sent again), then
 *       {@code putObject} of the spool file with its known length (the SDK streams the file; never in the heap);</li>
 *   <li>{@link #open}: {@code getObject}, or {@code getObjectRange} for a byte range (HTTP {@code Range});</li>
 *   <li>{@link #delete}: {@code deleteObject}.</li>
 * </ul>
 * Settings come from properties ({@code gateway.media.s3.*}, env {@code MEDIA_S3_*}, docs/media-store.md). The keys go
 * into the endpoint as {@code RAW(...)} values, which Camel masks wherever it logs an endpoint; with no access key the
 * SDK's default credentials chain is used (IAM role, IRSA, {@code AWS_*} variables). The endpoint (and its S3 client)
 * is created on first use, so a gateway on the filesystem store never needs S3 settings.
 */
public class S3MediaStore implements MediaStore, CamelContextAware {

    private CamelContext camelContext;
    private volatile ProducerTemplate template;
    private String endpoint = "";
    private String bucket = "";
    private String region = "us-east-1";
    private String accessKey = "";
    private String secretKey = "";
    private boolean pathStyle;
    private String prefix = "";
    private boolean autoCreateBucket;

    @Override
    public String name() {
        return "s3";
    }

    @Override
    public StoredObject put(Path spool, String sha256, long sizeBytes, String mime) throws IOException {
        StoredObject existing = head(sha256);
        if (existing != null) {
            java.nio.file.Files.deleteIfExists(spool);
            return existing;
        }
        Map<String, Object> headers = new LinkedHashMap<>();
        headers.put(AWS2S3Constants.KEY, key(sha256));
        headers.put(AWS2S3Constants.CONTENT_LENGTH, sizeBytes);
        if (mime != null && !mime.isBlank()) {
            headers.put(AWS2S3Constants.CONTENT_TYPE, mime);
        }
        call(null, spool.toFile(), headers);
        java.nio.file.Files.deleteIfExists(spool);
        return new StoredObject(key(sha256), sha256, sizeBytes, mime, name());
    }

    @Override
    public StoredObject head(String sha256) throws IOException {
        try {
            Exchange answer = call(AWS2S3Operations.headObject, null, Map.of(AWS2S3Constants.KEY, key(sha256)));
            HeadObjectResponse head = answer.getMessage().getBody(HeadObjectResponse.class);
            return new StoredObject(key(sha256), sha256, head.contentLength(), head.contentType(), name());
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    @Override
    public InputStream open(String sha256, long first, long last) throws IOException {
        Map<String, Object> headers = new LinkedHashMap<>();
        headers.put(AWS2S3Constants.KEY, key(sha256));
        AWS2S3Operations operation = AWS2S3Operations.getObject;
        if (first > 0 || last >= 0) {
            if (last < 0) {
                StoredObject head = head(sha256);
                if (head == null) {
                    throw new NoSuchFileException(key(sha256));
                }
                last = head.sizeBytes() - 1;
            }
            operation = AWS2S3Operations.getObjectRange;
            headers.put(AWS2S3Constants.RANGE_START, first);
            headers.put(AWS2S3Constants.RANGE_END, last);
        }
        return call(operation, null, headers).getMessage().getBody(InputStream.class);
    }

    @Override
    public boolean delete(String sha256) throws IOException {
        if (head(sha256) == null) {
            return false;
        }
        call(AWS2S3Operations.deleteObject, null, Map.of(AWS2S3Constants.KEY, key(sha256)));
        return true;
    }

    /**
     * Sends one request through the aws2-s3 endpoint.
     *
     * @throws NoSuchFileException when S3 answered 404 (no such key)
     * @throws IOException         for any other failure (S3's status and code in the message, never a credential)
     */
    private Exchange call(AWS2S3Operations operation, Object body, Map<String, Object> headers) throws IOException {
        ProducerTemplate t = template();
        Exchange answer = t.request(endpointUri(), exchange -> {
            exchange.getIn().setHeaders(new LinkedHashMap<>(headers));
            if (operation != null) {
                exchange.getIn().setHeader(AWS2S3Constants.S3_OPERATION, operation);
            }
            exchange.getIn().setBody(body);
        });
        Exception e = answer.getException();
        if (e == null) {
            return answer;
        }
        String key = String.valueOf(headers.get(AWS2S3Constants.KEY));
        if (e instanceof NoSuchKeyException || e instanceof S3Exception s3 && s3.statusCode() == 404) {
            throw new NoSuchFileException(key);
        }
        if (e instanceof S3Exception s3) {
            throw new IOException("S3 answered " + s3.statusCode() + " (" + s3.awsErrorDetails().errorCode() + ") to "
                    + (operation == null ? "putObject" : operation) + " " + key + " in bucket " + bucket, e);
        }
        throw new IOException("S3 " + (operation == null ? "putObject" : operation) + " " + key + " in bucket " + bucket
                + " failed: " + e, e);
    }

    private ProducerTemplate template() {
        ProducerTemplate t = template;
        if (t == null) {
            synchronized (this) {
                if (template == null) {
                    if (bucket == null || bucket.isBlank()) {
                        throw new IllegalStateException("gateway.media.store=s3 needs gateway.media.s3.bucket"
                                + " (MEDIA_S3_BUCKET)");
                    }
                    template = camelContext.createProducerTemplate();
                }
                t = template;
            }
        }
        return t;
    }

    /** @return {@code aws2-s3://{bucket}?...}: keys as RAW values (masked in Camel's logs) */
    String endpointUri() {
        StringBuilder uri = new StringBuilder("aws2-s3://").append(bucket).append("?region=").append(enc(region))
                .append("&forcePathStyle=").append(pathStyle)
                .append("&autoCreateBucket=").append(autoCreateBucket);
        if (endpoint != null && !endpoint.isBlank()) {
            uri.append("&overrideEndpoint=true&uriEndpointOverride=").append(enc(endpoint));
        }
        if (accessKey != null && !accessKey.isBlank()) {
            uri.append("&useDefaultCredentialsProvider=false&accessKey=RAW(").append(accessKey)
                    .append(")&secretKey=RAW(").append(secretKey).append(")");
        } else {
            uri.append("&useDefaultCredentialsProvider=true");
        }
        return uri.toString();
    }

    private static String enc(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /**
     * @param sha256 lowercase hex sha256
     * @return the object key: {@code {prefix}{h[0:2]}/{h}}
     * @throws IllegalArgumentException when it is not 64 lowercase hex characters
     */
    String key(String sha256) {
        return prefix + FileMediaStore.key(sha256);
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    /** @param endpoint {@code gateway.media.s3.endpoint}: the store's URL (MinIO, R2, GCS...); empty = AWS S3 */
    public void setEndpoint(String endpoint) {
        this.endpoint = endpoint;
    }

    /** @param bucket {@code gateway.media.s3.bucket} (required) */
    public void setBucket(String bucket) {
        this.bucket = bucket;
    }

    /** @param region {@code gateway.media.s3.region} (R2: {@code auto}; MinIO: any, e.g. {@code us-east-1}) */
    public void setRegion(String region) {
        this.region = region;
    }

    /** @param accessKey {@code gateway.media.s3.access-key}; empty = the SDK's default credentials chain */
    public void setAccessKey(String accessKey) {
        this.accessKey = accessKey;
    }

    /** @param secretKey {@code gateway.media.s3.secret-key} */
    public void setSecretKey(String secretKey) {
        this.secretKey = secretKey;
    }

    /** @param pathStyle {@code gateway.media.s3.path-style}: {@code http://host/bucket/key} URLs (MinIO, s3proxy) */
    public void setPathStyle(boolean pathStyle) {
        this.pathStyle = pathStyle;
    }

    /** @param prefix {@code gateway.media.s3.prefix}: put before every key, e.g. {@code media/}; may be empty */
    public void setPrefix(String prefix) {
        this.prefix = prefix == null ? "" : prefix;
    }

    /** @param autoCreateBucket {@code gateway.media.s3.auto-create-bucket}: create the bucket when missing */
    public void setAutoCreateBucket(boolean autoCreateBucket) {
        this.autoCreateBucket = autoCreateBucket;
    }

    /** @return a description without credentials, for logs */
    @Override
    public String toString() {
        return "S3MediaStore[bucket=" + bucket + ", endpoint=" + (endpoint == null || endpoint.isBlank() ? "AWS"
                : endpoint) + ", prefix=" + prefix + "]";
    }
}
