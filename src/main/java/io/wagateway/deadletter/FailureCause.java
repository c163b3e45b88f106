package io.wagateway.deadletter;

import org.apache.camel.Exchange;
import org.apache.camel.util.ObjectHelper;

/**
 * Tells the dead-letter route what made an exchange fail, the way {@code onException} matches: the exception or
 * any of its causes (a split wraps its item's exception in a {@code CamelExchangeException}, which
 * {@code ${exception} is '...'} would not see through).
 */
public class FailureCause {

    /**
     * @param exchange  the failed exchange (its exception, or the {@code CamelExceptionCaught} property once a
     *                  dead-letter channel has handled it)
     * @param className fully qualified exception class name, e.g. {@code io.wagateway.inbound.MalformedPayloadException}
     * @return true when the exception or one of its causes is an instance of that class; false when there is no
     *         exception or the class is not on the classpath
     */
    public boolean is(Exchange exchange, String className) {
        Throwable error = exchange.getException();
        if (error == null) {
            error = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        }
        if (error == null) {
            return false;
        }
        Class<?> type;
        try {
            type = Class.forName(className, false, FailureCause.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            return false;
        }
        return ObjectHelper.getException(type.asSubclass(Throwable.class), error) != null;
    }
}
