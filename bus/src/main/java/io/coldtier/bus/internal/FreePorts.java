package io.coldtier.bus.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/**
 * Picks free TCP ports on loopback by binding port 0 and releasing it. Another process may take a
 * port between release and the broker's bind; that race is accepted (stack-notes Q1).
 */
public final class FreePorts {
    private FreePorts() {
    }

    /** {@code n} distinct free ports; all sockets are held until every port is chosen. */
    public static int[] pick(int n) {
        ServerSocket[] sockets = new ServerSocket[n];
        int[] ports = new int[n];
        try {
            for (int i = 0; i < n; i++) {
                sockets[i] = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                sockets[i].setReuseAddress(true);
                ports[i] = sockets[i].getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        } finally {
            for (ServerSocket s : sockets) {
                if (s != null) {
                    try {
                        s.close();
                    } catch (IOException ignored) {
                        // closing a listening socket we never used
                    }
                }
            }
        }
    }
}
