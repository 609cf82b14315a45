import { serviceRuleFile } from "../alerts";
import { Links } from "../alerts/links";
import { ServiceSpec } from "../config/types";
import { serviceScrapeConfig } from "./prometheus";
import { toYaml } from "./yaml";

/** Rendered artifacts of one service, shared by the component and the render command. */
export function renderServiceFiles(spec: ServiceSpec, links: Links) {
    const rules = serviceRuleFile(spec, links);
    const scrape = serviceScrapeConfig(spec);
    return {
        ruleFileName: `${rules.name}.yaml`,
        rules: toYaml({ groups: rules.groups }),
        scrapeFileName: `${spec.name}.yaml`,
        scrape: scrape ? toYaml({ scrape_configs: [scrape] }) : undefined,
    };
}

