package io.coldtier.cli.ops;

import java.net.HttpURLConnection;
import java.net.URI;

/**
 * Container health check: {@code java -cp /app/classes io.coldtier.cli.ops.HealthProbe URL} exits 0 when
 * {@code GET URL} answers 200, 1 otherwise. The coldtier image has no shell or curl, and starting the whole CLI
 * (100+ jars) every few seconds would cost a core; this class uses the JDK alone and starts in ~0.2 s.
 */
public final class HealthProbe {
    private HealthProbe() {
    }

    public static void main(String[] args) {
        String url = args.length > 0 ? args[0] : "http://127.0.0.1:9401/health";
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
            c.setConnectTimeout(2000);
            c.setReadTimeout(3000);
            int code = c.getResponseCode();
            System.out.println(url + " " + code);
            System.exit(code == 200 ? 0 : 1);
        } catch (Exception e) {
            System.out.println(url + " " + e);
            System.exit(1);
        }
    }
}
