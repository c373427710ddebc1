/** The shell: navigation, status bar, the API key prompt, and the screen for the current path. */

import { useEffect } from "react";
import { ApiKeyDialog } from "./components/ApiKeyDialog";
import { StatusBar } from "./components/StatusBar";
import { ExportsPage } from "./pages/ExportsPage";
import { JobDetailPage } from "./pages/JobDetailPage";
import { JobsPage } from "./pages/JobsPage";
import { KeysPage } from "./pages/KeysPage";
import { MonitorPage } from "./pages/MonitorPage";
import { MonitorsPage } from "./pages/MonitorsPage";
import { NewMonitorPage } from "./pages/NewMonitorPage";
import { NewScrapePage } from "./pages/NewScrapePage";
import { PipelineEditorPage } from "./pages/PipelineEditorPage";
import { PipelinesPage } from "./pages/PipelinesPage";
import { SessionsPage } from "./pages/SessionsPage";
import { Link, matchPath, navigate, useLocation } from "./lib/router";
import { managesKeys, useCaller } from "./lib/useCaller";

const NAV = [
  { to: "/jobs", label: "Jobs", match: ["/jobs"] },
  { to: "/scrape/new", label: "New scrape", match: ["/scrape"] },
  { to: "/pipelines", label: "Pipelines", match: ["/pipelines"] },
  { to: "/monitors", label: "Monitors", match: ["/monitors"] },
  { to: "/sessions", label: "Sessions", match: ["/sessions"] },
  { to: "/exports", label: "Exports", match: ["/exports"] },
];
// Shown to admin keys only (the API refuses the others with 403 all the same).
const ADMIN_NAV = [{ to: "/keys", label: "Keys", match: ["/keys"] }];

function Screen({ path }: { path: string }) {
  let params: Record<string, string> | null;
  if (path === "/" || path === "") {
    return <Redirect to="/jobs" />;
  }
  if (matchPath("/jobs", path)) return <JobsPage />;
  if ((params = matchPath("/jobs/:id", path))) return <JobDetailPage id={params.id!} key={params.id} />;
  if (matchPath("/scrape/new", path)) return <NewScrapePage />;
  if (matchPath("/pipelines", path)) return <PipelinesPage />;
  if (matchPath("/pipelines/new", path)) return <PipelineEditorPage id={null} key="new" />;
  if ((params = matchPath("/pipelines/:id", path))) return <PipelineEditorPage id={params.id!} key={params.id} />;
  if (matchPath("/monitors", path)) return <MonitorsPage />;
  if (matchPath("/monitors/new", path)) return <NewMonitorPage key="new" />;
  if ((params = matchPath("/monitors/:ref/edit", path))) return <NewMonitorPage monitorRef={params.ref!} key={`edit-${params.ref}`} />;
  if ((params = matchPath("/monitors/:ref", path))) return <MonitorPage monitorRef={params.ref!} key={params.ref} />;
  if (matchPath("/sessions", path)) return <SessionsPage />;
  if (matchPath("/exports", path)) return <ExportsPage />;
  if (matchPath("/keys", path)) return <KeysPage />;
  return (
    <section>
      <h1>Not found</h1>
      <p>
        There is no page at <code>{path}</code>. <Link to="/jobs">Go to the jobs</Link>.
      </p>
    </section>
  );
}

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}

const TITLES: Array<[string, string]> = [
  ["/jobs/", "Job"],
  ["/jobs", "Jobs"],
  ["/scrape/new", "New scrape"],
  ["/pipelines", "Pipelines"],
  ["/monitors/new", "New monitor"],
  ["/monitors/", "Monitor"],
  ["/monitors", "Monitors"],
  ["/sessions", "Sessions"],
  ["/exports", "Exports"],
  ["/keys", "Keys"],
];

export function App() {
  const { path } = useLocation();
  const caller = useCaller(path);
  const nav = managesKeys(caller) ? [...NAV, ...ADMIN_NAV] : NAV;
  useEffect(() => {
    const title = TITLES.find(([prefix]) => path.startsWith(prefix))?.[1];
    document.title = title ? `${title} · DataOps` : "DataOps";
  }, [path]);

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/jobs" className="brand" aria-label="DataOps home">
          <span className="logo" aria-hidden="true">
            D
          </span>
          DataOps
        </Link>
        <nav aria-label="Main">
          {nav.map((item) => {
            const active = item.match.some((m) => path === m || path.startsWith(`${m}/`));
            return (
              <Link key={item.to} to={item.to} className={active ? "active" : ""} aria-current={active ? "page" : undefined}>
                {item.label}
              </Link>
            );
          })}
        </nav>
      </header>
      <StatusBar />
      <main id="main" tabIndex={-1}>
        <Screen path={path} />
      </main>
      <ApiKeyDialog />
    </>
  );
}
