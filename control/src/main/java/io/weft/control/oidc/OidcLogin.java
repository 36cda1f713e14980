package io.weft.control.oidc;

import io.weft.control.http.HttpRequest;
import io.weft.control.http.HttpResponse;
import io.weft.control.protocol.Message;
import io.weft.control.server.NodeRegistry;
import java.security.SecureRandom;
import java.time.Clock;

/** Interactive login (placeholder until the flow lands). */
public final class OidcLogin {
  public static final String LOGIN_PATH = "/login/";
  public static final String CALLBACK_PATH = "/oidc/callback";

  public OidcLogin(OidcConfig config, String publicUrl, NodeRegistry registry, SecureRandom random, Clock clock) {}

  public String begin(String machineKey, Message.Register request) {
    return null;
  }

  public HttpResponse handle(HttpRequest req) {
    return HttpResponse.error(404, "not yet");
  }
}
