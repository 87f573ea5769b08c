// The community groups' pages: /groups (the directory) and /groups/{id} (one group). Both
// are the same built page; the path says which view it shows. Everything shown comes from
// the API as the caller, so an outsider's page never holds a member's name.
import "../common/base.css";
import "./groups.css";
import { addMessages, initLanguage, onLanguageChange } from "../common/i18n.js";
import messages from "../messages/groups.js";
import walkMessages from "../messages/walk.js";
import { directoryView } from "./directory/directory.js";
import { groupView } from "./group/page.js";

addMessages(messages);
addMessages(walkMessages);
initLanguage();

const root = document.getElementById("groups-page");
const match = location.pathname.match(/^\/groups\/(\d+)\/?$/);
const view = match ? groupView(root, Number(match[1])) : directoryView(root);
if (!match) document.querySelector("[data-groups-nav]")?.setAttribute("aria-current", "page");

onLanguageChange(() => view.render());
view.load();
