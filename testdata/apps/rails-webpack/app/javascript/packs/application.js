// The main pack: loaded on every page.
import Rails from "@rails/ujs"
import Turbolinks from "turbolinks"
import { mountHello } from "../components/hello"

Rails.start()
Turbolinks.start()
document.addEventListener("turbolinks:load", () => mountHello("#hello"))
