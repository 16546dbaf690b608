package io.shoal.daemon.engineapi;

import io.shoal.api.ApiException;

/**
 * {@code /distribution/{name}/json}: the CLI asks it to pin an image digest before creating a
 * service. Without an image store every image is unknown; the 404 makes the CLI carry on with the
 * name as given.
 */
public final class DistributionRoutes {
    public void register(Router r) {
        r.add("GET", "/distribution/{name...}", req -> {
            String name = req.param("name");
            if (!name.endsWith("/json")) throw ApiException.notFound("page not found");
            throw ApiException.notFound("No such image: %s", name.substring(0, name.length() - "/json".length()));
        });
    }
}
