package io.llmux.admin;

import java.util.ArrayList;
import java.util.List;

/** Every management route of SPEC §8. */
public final class ManagementApi {
    private ManagementApi() {}

    /**
     * @param m null without a database: the routes are listed (so they answer 501 rather than 404) but never run
     */
    public static List<AdminRoute> routes(Management m) {
        List<AdminRoute> all = new ArrayList<>();
        all.addAll(new KeyEndpoints(m).routes());
        all.addAll(new TeamEndpoints(m).routes());
        all.addAll(new UserEndpoints(m).routes());
        all.addAll(new OrganizationEndpoints(m).routes());
        all.addAll(new SpendEndpoints(m).routes());
        return List.copyOf(all);
    }
}
