package io.wagateway.store;

import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;

/**
 * Base of the beans that use the {@link ElasticsearchStore}: Camel hands them its context, and the store is found in
 * the registry on first use — route files load in no guaranteed order, so a bean declared in one file cannot
 * reference {@code #bean:elasticsearchStore} from another at load time. Tests may set the store directly.
 */
public abstract class StoreAwareBean implements CamelContextAware {

    private CamelContext camelContext;
    private ElasticsearchStore store;

    /** @return the store: the one set, else the one in the Camel registry */
    protected ElasticsearchStore store() {
        if (store == null) {
            store = ElasticsearchStore.in(camelContext);
        }
        return store;
    }

    /** @param store the Elasticsearch store (optional: found in the Camel registry otherwise) */
    public void setStore(ElasticsearchStore store) {
        this.store = store;
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }
}
