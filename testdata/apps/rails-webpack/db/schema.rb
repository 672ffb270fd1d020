ActiveRecord::Schema.define(version: 2021_05_27_000000) do
  create_table "posts", force: :cascade do |t|
    t.string "title", null: false
    t.text "body"
    t.timestamps
  end
end
