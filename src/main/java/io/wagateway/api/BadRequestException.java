package io.wagateway.api;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A request parameter of {@code /api} or {@code /admin} that cannot be used: answered HTTP 400 with
 * {@code {"error":"<parameter>: <why>","parameter":"<parameter>"}} (docs/api.md "Errors").
 */
public class BadRequestException extends IllegalArgumentException {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final String parameter;

    /**
     * @param parameter the query or path parameter at fault
     * @param why       what is wrong with it (no secret: echoed to the client)
     */
    public BadRequestException(String parameter, String why) {
        super(parameter + ": " + why);
        this.parameter = parameter;
    }

    /** @return the query or path parameter at fault */
    public String getParameter() {
        return parameter;
    }

    /** @return HTTP status to answer (400) */
    public int getStatus() {
        return 400;
    }

    /** @return the answer's JSON body, {@code {"error":..,"parameter":..}}, properly escaped */
    public String getJson() {
        return JSON.createObjectNode().put("error", getMessage()).put("parameter", parameter).toString();
    }
}
